import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DATABASE_URL } from '@adnova/test-utils/stores';
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import {
  DEFAULT_ADMIN_PASSWORD,
  defaultPasswordInUse,
  ensureAdminAccount,
  resolveSessionSecret,
} from './bootstrap.ts';
import { createGroup, deleteGroup, updateGroup } from './groups.ts';
import type { ListParams } from './list-query.ts';
import { ALL_PERMISSIONS, can, canView } from './permissions.ts';
import { authenticate, createSession, deleteSession, findSession, loginClient } from './sessions.ts';
import {
  changeOwnPassword,
  createStaffUser,
  deleteStaffUser,
  getStaffUser,
  listStaffUsers,
  setStaffPassword,
  updateStaffUser,
} from './users.ts';

const issueTypes = (error: unknown) =>
  error instanceof AppError ? (error.details.issues ?? []).map((i) => `${i.loc.at(-1)}:${i.type}`) : [];

/** Deps on a fresh database (PostgreSQL when DATABASE_URL is set, else in-memory PGlite) and a movable clock. */
async function freshDeps(env: Record<string, string> = {}) {
  const database = DATABASE_URL ? await createTestDatabase() : undefined;
  let now = Date.parse('2030-01-01T00:00:00Z');
  const deps = await createDeps(
    loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database?.url ?? 'memory://', ...env }),
    { clock: { now: () => now } },
  );
  return {
    deps,
    advance: (ms: number) => {
      now += ms;
    },
    async close() {
      await deps.close();
      await database?.drop();
    },
  };
}

describe('staff accounts', () => {
  let ctx: Awaited<ReturnType<typeof freshDeps>>;
  let deps: Deps;
  before(async () => {
    ctx = await freshDeps();
    deps = ctx.deps;
  });
  after(() => ctx.close());

  test('the first start creates admin/admin outside production, once', async () => {
    assert.equal(await ensureAdminAccount(deps), 'created-default');
    assert.equal(await ensureAdminAccount(deps), 'default-password');
    assert.equal(await defaultPasswordInUse(deps), true);
    const login = await authenticate(deps, {
      username: 'ADMIN',
      password: DEFAULT_ADMIN_PASSWORD,
      ip: '1.1.1.1',
      keySecret: 'k',
    });
    assert.equal(login.ok, true, 'usernames are case-insensitive');
  });

  test('usernames are checked and unique case-insensitively; passwords follow the rules', async () => {
    await createStaffUser(deps, { username: 'Moderator', password: 'a fine passphrase' });
    await assert.rejects(
      createStaffUser(deps, { username: 'moderator', password: 'a fine passphrase' }),
      (e) => {
        assert.deepEqual(issueTypes(e), ['username:username_taken']);
        return true;
      },
    );
    await assert.rejects(createStaffUser(deps, { username: 'bad name!', password: '123' }), (e) => {
      assert.deepEqual(issueTypes(e), [
        'username:username_invalid',
        'password:password_too_short',
        'password:password_numeric',
      ]);
      return true;
    });
  });

  test('permissions: own plus groups, unknown ones refused, superusers can do what is supported', async () => {
    const user = await createStaffUser(deps, { username: 'perm-user', password: 'a fine passphrase' });
    const group = await createGroup(deps, { name: 'Queue', permissions: ['report.view', 'report.change'] });
    await updateStaffUser(deps, user.id, {
      username: 'perm-user',
      email: 'p@example.com',
      isActive: true,
      isSuperuser: false,
      language: 'ru',
      groupIds: [group.id],
      permissions: ['client.view'],
    });
    const session = await createSession(deps, user.id);
    const found = await findSession(deps, session.token);
    assert.ok(found);
    assert.deepEqual([...found.principal.permissions].sort(), [
      'client.view',
      'report.change',
      'report.view',
    ]);
    assert.equal(found.user.language, 'ru');
    assert.equal(can(found.principal, 'report', 'change'), true);
    assert.equal(can(found.principal, 'report', 'delete'), false);
    assert.equal(canView(found.principal, 'client'), true);
    assert.equal(canView(found.principal, 'campaign'), false);

    await assert.rejects(updateGroup(deps, group.id, { name: 'Queue', permissions: ['report.fly'] }), (e) =>
      issueTypes(e).includes('permissions:invalid_choice'),
    );
    await deleteGroup(deps, group.id);
    const after = await findSession(deps, session.token);
    assert.deepEqual([...(after?.principal.permissions ?? [])], ['client.view']);

    const superuser = { id: 1, username: 's', isSuperuser: true, permissions: new Set<string>() };
    assert.equal(can(superuser, 'impression', 'delete'), false, 'unsupported even for superusers');
    assert.equal(
      ALL_PERMISSIONS.every((p) => p.includes('.')),
      true,
    );
  });

  test('sessions expire, and logout or a password change revokes them', async () => {
    const user = await createStaffUser(deps, { username: 'session-user', password: 'a fine passphrase' });
    const one = await createSession(deps, user.id);
    const two = await createSession(deps, user.id);
    assert.ok(await findSession(deps, one.token));
    await deleteSession(deps, one.token);
    assert.equal(await findSession(deps, one.token), undefined);
    assert.equal(await findSession(deps, 'made-up'), undefined);

    const three = await createSession(deps, user.id);
    await changeOwnPassword(deps, user.id, {
      oldPassword: 'a fine passphrase',
      password: 'another passphrase',
      sessionId: three.sessionId,
    });
    assert.equal(await findSession(deps, two.token), undefined, 'other sessions end');
    assert.ok(await findSession(deps, three.token), 'the changing session stays');
    await assert.rejects(
      changeOwnPassword(deps, user.id, {
        oldPassword: 'wrong',
        password: 'x passphrase',
        sessionId: three.sessionId,
      }),
      (e) => issueTypes(e).includes('old_password:password_incorrect'),
    );

    ctx.advance(deps.config.admin.sessionTtlSeconds * 1000 + 1);
    assert.equal(await findSession(deps, three.token), undefined, 'expired');
  });

  test('deactivated users cannot log in and lose their sessions', async () => {
    const user = await createStaffUser(deps, { username: 'leaver', password: 'a fine passphrase' });
    const session = await createSession(deps, user.id);
    const detail = await getStaffUser(deps, user.id);
    await updateStaffUser(deps, user.id, { ...detail, email: '', isActive: false, permissions: [] });
    assert.equal(await findSession(deps, session.token), undefined);
    const login = await authenticate(deps, {
      username: 'leaver',
      password: 'a fine passphrase',
      ip: '2.2.2.2',
      keySecret: 'k',
    });
    assert.deepEqual(login, { ok: false, reason: 'invalid' });
  });

  test('the last active superuser stays; nobody deletes themselves', async () => {
    const admin = (await listStaffUsers(deps, { search: 'admin', filters: { superuser: 'yes' } })).rows[0];
    assert.ok(admin);
    await assert.rejects(
      updateStaffUser(deps, admin.id, {
        username: 'admin',
        email: '',
        isActive: true,
        isSuperuser: false,
        language: null,
        groupIds: [],
        permissions: [],
      }),
      (e) => issueTypes(e).includes('is_superuser:last_superuser'),
    );
    await assert.rejects(deleteStaffUser(deps, admin.id, admin.id), (e) =>
      issueTypes(e).includes('user:delete_self'),
    );
    const other = await createStaffUser(deps, {
      username: 'second-root',
      password: 'a fine passphrase',
      isSuperuser: true,
    });
    await assert.rejects(
      deleteStaffUser(deps, other.id, admin.id + 100_000),
      (e) => e instanceof AppError && e.code === 'NOT_FOUND',
    );
    await deleteStaffUser(deps, admin.id, other.id);
    await assert.rejects(deleteStaffUser(deps, other.id, admin.id), (e) =>
      issueTypes(e).includes('is_superuser:last_superuser'),
    );
  });

  test('lists: search terms are literal and all must match; sort, page and filters are checked', async () => {
    await createStaffUser(deps, { username: 'ann_100', password: 'a fine passphrase' });
    await createStaffUser(deps, { username: 'annx100', password: 'a fine passphrase' });
    assert.deepEqual(
      (await listStaffUsers(deps, { search: 'ann_' })).rows.map((u) => u.username),
      ['ann_100'],
    );
    assert.equal((await listStaffUsers(deps, { search: '%' })).total, 0);
    assert.deepEqual(
      (await listStaffUsers(deps, { search: 'ANN 100', sort: '-username' })).rows.map((u) => u.username),
      ['annx100', 'ann_100'],
    );
    const onePerPage = await listStaffUsers(deps, { search: 'ann', perPage: 1, page: 50 });
    assert.deepEqual([onePerPage.page, onePerPage.pages, onePerPage.rows.length], [2, 2, 1]);
    const bad: ListParams[] = [
      { sort: 'password_hash' },
      { page: 0 },
      { filters: { superuser: 'maybe' } },
      { filters: { nope: 'x' } },
      { search: 'x'.repeat(201) },
    ];
    for (const params of bad) {
      await assert.rejects(
        listStaffUsers(deps, params),
        (e) => e instanceof AppError && e.code === 'VALIDATION',
        JSON.stringify(params),
      );
    }
  });

  test('login attempts are limited per username and IP, in the shared cache', async () => {
    await createStaffUser(deps, { username: 'limited', password: 'a fine passphrase' });
    const attempt = (password: string, ip = '10.0.0.1') =>
      authenticate(deps, { username: 'limited', password, ip, keySecret: 'k' });
    for (let i = 0; i < deps.config.admin.loginMaxAttempts; i++) {
      assert.deepEqual(await attempt('wrong'), { ok: false, reason: 'invalid' });
    }
    assert.deepEqual(await attempt('a fine passphrase'), {
      ok: false,
      reason: 'rate_limited',
      limit: 'account',
      retryAfterSeconds: deps.config.admin.loginWindowSeconds,
    });
    assert.equal((await attempt('a fine passphrase', '10.0.0.2')).ok, true, 'another IP is not blocked');
    // Concurrent guesses cannot slip past the limit: each one takes its own count first, and one
    // client gets one password check at a time (the others are refused as busy, not queued).
    const burst = await Promise.all(Array.from({ length: 8 }, () => attempt('wrong', '10.0.0.3')));
    const reasons = burst.map((r) => (r.ok ? 'ok' : r.reason === 'rate_limited' ? r.limit : r.reason));
    assert.equal(reasons.filter((r) => r === 'account').length, 8 - deps.config.admin.loginMaxAttempts);
    assert.equal(reasons.filter((r) => r === 'invalid').length, 1);
    assert.equal(reasons.filter((r) => r === 'hashing').length, deps.config.admin.loginMaxAttempts - 1);
  });

  test('issue 12: login attempts are also limited per client IP across usernames', async () => {
    const ctx2 = await freshDeps({ ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP: '3' });
    try {
      await createStaffUser(ctx2.deps, { username: 'victim', password: 'a fine passphrase' });
      const attempt = (username: string, password: string, ip: string) =>
        authenticate(ctx2.deps, { username, password, ip, keySecret: 'k' });
      for (const name of ['a', 'b', 'c']) {
        assert.deepEqual(await attempt(name, 'x', '10.1.0.1'), { ok: false, reason: 'invalid' });
      }
      assert.deepEqual(await attempt('victim', 'a fine passphrase', '10.1.0.1'), {
        ok: false,
        reason: 'rate_limited',
        limit: 'client',
        retryAfterSeconds: ctx2.deps.config.admin.loginWindowSeconds,
      });
      // An IPv4-mapped address is the same client; the count survives a successful login elsewhere.
      assert.equal((await attempt('victim', 'a fine passphrase', '::ffff:10.1.0.1')).ok, false);
      assert.equal((await attempt('victim', 'a fine passphrase', '10.1.0.2')).ok, true);
      assert.equal((await attempt('victim', 'a fine passphrase', '10.1.0.1')).ok, false, 'still counted');
    } finally {
      await ctx2.close();
    }
  });

  test('issue 12: an IPv6 client is counted by its /64', () => {
    assert.equal(loginClient('203.0.113.9'), '203.0.113.9');
    assert.equal(loginClient('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(loginClient('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(loginClient('2001:0DB8:0001:0002:ffff:1:2:3'), '2001:db8:1:2::/64');
    assert.equal(loginClient('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(loginClient('::1'), '0:0:0:0::/64');
    assert.equal(loginClient('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(loginClient('not an ip'), 'not an ip');
  });

  test('setting a password clears the default mark', async () => {
    const admin = (await listStaffUsers(deps, { search: 'admin' })).rows.find((u) => u.username === 'admin');
    assert.ok(admin);
    await setStaffPassword(deps, admin.id, 'a new root passphrase');
    assert.equal(await defaultPasswordInUse(deps), false);
  });

  test('the generated session secret is stored once and shared', async () => {
    const first = await resolveSessionSecret(deps);
    assert.equal(await resolveSessionSecret(deps), first);
    assert.ok(first.length >= 32);
  });
});

describe('ADMIN_PASSWORD and production', () => {
  test('ADMIN_PASSWORD creates admin, and resets it when it no longer matches', async () => {
    const ctx = await freshDeps({ ADMIN_PASSWORD: 'first password' });
    try {
      assert.equal(await ensureAdminAccount(ctx.deps), 'created');
      assert.equal(await ensureAdminAccount(ctx.deps), 'unchanged');
      const admin = (await listStaffUsers(ctx.deps, { search: 'admin' })).rows[0];
      assert.ok(admin);
      await setStaffPassword(ctx.deps, admin.id, 'changed in the panel');
      const session = await createSession(ctx.deps, admin.id);
      assert.equal(await ensureAdminAccount(ctx.deps), 'reset');
      assert.equal(await findSession(ctx.deps, session.token), undefined, 'a reset revokes sessions');
      const login = await authenticate(ctx.deps, {
        username: 'admin',
        password: 'first password',
        ip: '::1',
        keySecret: 'k',
      });
      assert.equal(login.ok, true);
    } finally {
      await ctx.close();
    }
  });

  test('production without ADMIN_PASSWORD creates no default account', async () => {
    const ctx = await freshDeps({
      NODE_ENV: 'production',
      ADS_THROTTLE_HASH_SECRET: 'x'.repeat(32),
      ADMIN_SESSION_SECRET: 'y'.repeat(32),
    });
    try {
      assert.equal(await ensureAdminAccount(ctx.deps), 'missing');
      assert.equal((await listStaffUsers(ctx.deps, {})).total, 0);
      assert.equal(await resolveSessionSecret(ctx.deps), 'y'.repeat(32));
    } finally {
      await ctx.close();
    }
  });
});
