import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createGroup } from '@adnova/core/admin/groups';
import { hashPassword, passwordHashingStats } from '@adnova/core/admin/passwords';
import { createDeps } from '@adnova/core/deps';
import { sql } from 'drizzle-orm';
import {
  type AdminAgent,
  adminAgent,
  csrfFrom,
  decodeEntities,
  encodeForm,
  type Form,
  fieldErrors,
  login,
  STAFF_PASSWORD,
  staffAgent,
} from '../../test/admin.ts';
import {
  createTestDatabase,
  getAd,
  seed,
  type TestApp,
  testConfig,
  useTestApp,
  usingPostgres,
} from '../../test/helper.ts';
import { buildApp } from '../app.ts';

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';
const UNSTORABLE_EN = 'This field must not contain NUL or unpaired surrogate characters.';
const UNSTORABLE = /must not contain NUL or unpaired surrogate characters/;

/** One record of everything an admin form edits. */
async function world(t: TestApp) {
  const s = seed(t.app);
  const advertiser = await s.advertiser({ name: 'Nova Coffee' });
  const client = await s.client({ login: 'ann' });
  const campaign = await s.campaign(advertiser.advertiser_id, { start_date: 0, end_date: 5 });
  await s.score(client.client_id, advertiser.advertiser_id, 10);
  assert.equal((await getAd(t.app, client.client_id)).statusCode, 200);
  const reported = await t.app.inject({
    method: 'POST',
    url: `/report/${campaign.campaign_id}`,
    payload: { client_id: client.client_id, message: 'rude' },
  });
  assert.equal(reported.statusCode, 200);
  const rows = (await t.deps.db.execute(
    sql`SELECT id FROM reports WHERE campaign_id = ${campaign.campaign_id}::uuid`,
  )) as unknown as { rows: { id: string }[] };
  const reportId = String(rows.rows[0]?.id);
  const staff = await staffAgent(t.app, t.deps, ['report.view']);
  const group = await createGroup(t.deps, { name: `group-${randomUUID().slice(0, 8)}`, permissions: [] });
  const rule = await t.deps.throttle.createOverride({ applyTo: 'all', action: 'block', scope: '/nowhere' });
  return {
    advertiser,
    client,
    campaign,
    reportId,
    staffId: staff.userId,
    groupId: group.id,
    ruleId: rule.id,
  };
}

type PageForm = { action: string; values: Form; names: string[] };

const attributesOf = (tag: string): Record<string, string> =>
  Object.fromEntries(
    [...tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1] ?? '', decodeEntities(m[2] ?? '')]),
  );

/**
 * The POST forms of an admin page as a browser would submit them (checked boxes, selected options,
 * text values), with every field name the form has.
 */
function formsOf(body: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of body.matchAll(/<form ([^>]*)>([\s\S]*?)<\/form>/g)) {
    const form = attributesOf(match[1] ?? '');
    if (form.method !== 'post' || form.action === undefined) continue;
    const inner = match[2] ?? '';
    const values: Record<string, string[]> = {};
    const names = new Set<string>();
    const put = (name: string, value: string) => {
      values[name] = [...(values[name] ?? []), value];
    };
    for (const input of inner.matchAll(/<input ([^>]*)>/g)) {
      const a = attributesOf(input[1] ?? '');
      if (!a.name || a.type === 'submit' || a.type === 'file' || a.disabled !== undefined) continue;
      names.add(a.name);
      if ((a.type === 'checkbox' || a.type === 'radio') && a.checked === undefined) continue;
      put(a.name, a.value ?? '');
    }
    for (const select of inner.matchAll(/<select ([^>]*)>([\s\S]*?)<\/select>/g)) {
      const a = attributesOf(select[1] ?? '');
      if (!a.name) continue;
      names.add(a.name);
      const options = [...(select[2] ?? '').matchAll(/<option ([^>]*)>/g)].map((o) =>
        attributesOf(o[1] ?? ''),
      );
      put(a.name, (options.find((o) => o.selected !== undefined) ?? options[0])?.value ?? '');
    }
    for (const area of inner.matchAll(/<textarea ([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const a = attributesOf(area[1] ?? '');
      if (!a.name) continue;
      names.add(a.name);
      put(a.name, decodeEntities(area[2] ?? ''));
    }
    names.delete('_csrf');
    delete values._csrf;
    forms.push({ action: form.action, values, names: [...names] });
  }
  return forms;
}

/** Posts `form` as JSON (how a lone surrogate reaches a form: urlencoding cannot carry one). */
function postJson(agent: AdminAgent, url: string, form: Form) {
  return agent.request({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    payload: form,
  });
}

describe('issue 12: NUL and unpaired surrogates in admin input (spec §8 #38)', () => {
  const t = useTestApp();

  test('every admin form answers 400 naming the field, never 500, for NUL or a lone surrogate in any field', async () => {
    const w = await world(t);
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const a = w.advertiser.advertiser_id;
    const c = w.client.client_id;
    const pages = [
      '/admin/clients/add/',
      `/admin/clients/${c}/change/`,
      '/admin/advertisers/add/',
      `/admin/advertisers/${a}/change/`,
      `/admin/campaigns/${w.campaign.campaign_id}/change/`,
      '/admin/ml-scores/add/',
      `/admin/ml-scores/${c}/${a}/change/`,
      `/admin/reports/${w.reportId}/change/`,
      '/admin/users/add/',
      `/admin/users/${w.staffId}/change/`,
      `/admin/users/${w.staffId}/password/`,
      '/admin/groups/add/',
      `/admin/groups/${w.groupId}/change/`,
      '/admin/throttle/settings/',
      '/admin/throttle/overrides/add/',
      `/admin/throttle/overrides/${w.ruleId}/change/`,
      '/admin/password_change/',
      // The bulk-action form of the moderation queue, and the language switch on every page.
      '/admin/reports/',
    ];
    // Forms that read nothing but the CSRF token, or whose only effect is to log out or delete.
    const skip = /\/(logout|delete|image|telegram-code)\/$/;
    let checked = 0;
    for (const page of pages) {
      const res = await agent.get(page);
      assert.equal(res.statusCode, 200, page);
      const token = csrfFrom(res.body);
      for (const form of formsOf(res.body)) {
        if (skip.test(form.action)) continue;
        for (const name of form.names) {
          const base = form.values[name];
          const value = (Array.isArray(base) ? base[0] : base) || 'x';
          for (const [bad, send] of [
            [`${value}${NUL}`, (f: Form) => agent.post(form.action, f, { csrf: token })],
            [`${value}${LONE_SURROGATE}`, (f: Form) => postJson(agent, form.action, { _csrf: token, ...f })],
          ] as const) {
            const what = `${page} → ${form.action} ${name}=${JSON.stringify(bad)}`;
            const sent = await send({ ...form.values, [name]: bad });
            assert.ok(sent.statusCode < 500, `${what}: ${sent.statusCode}`);
            assert.equal(sent.statusCode, 400, what);
            assert.match(decodeEntities(sent.body), UNSTORABLE, what);
            if (sent.body.includes(`class="form-row field-${name}`)) {
              assert.deepEqual(fieldErrors(sent.body, name), [UNSTORABLE_EN], what);
            }
            checked += 1;
          }
        }
      }
    }
    assert.ok(checked > 100, `${checked} field submissions checked`);
    // Nothing was stored on the way.
    const client = await t.app.inject({ method: 'GET', url: `/clients/${c}` });
    assert.equal(client.json().login, 'ann');
  });

  test('the field error is translated', async () => {
    const agent = adminAgent(t.app, { 'accept-language': 'ru' });
    await login(agent, 'admin', 'admin');
    const res = await agent.post('/admin/advertisers/add/', { name: `Nova${NUL}` });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(fieldErrors(res.body, 'name'), [
      'Это поле не должно содержать символ NUL или непарные суррогатные символы.',
    ]);
  });

  test('every list search, filter, ordering and page answers a 400 page for NUL, never 500', async () => {
    const w = await world(t);
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const lists: [string, string[]][] = [
      ['/admin/clients/', ['gender']],
      ['/admin/advertisers/', []],
      ['/admin/campaigns/', ['advertiser', 'status', 'image', 'gender']],
      ['/admin/ml-scores/', ['advertiser', 'client']],
      ['/admin/impressions/', ['campaign', 'client', 'date']],
      ['/admin/clicks/', ['campaign', 'client', 'date']],
      ['/admin/reports/', ['state', 'flagged']],
      ['/admin/users/', ['superuser', 'active', 'group']],
      ['/admin/groups/', []],
      ['/admin/throttle/overrides/', ['action', 'target', 'status']],
      ['/admin/throttle/events/', ['blocked', 'reason', 'last_seen', 'scope']],
      [`/admin/advertisers/${w.advertiser.advertiser_id}/stats/`, []],
    ];
    for (const [list, filters] of lists) {
      for (const name of ['q', 'o', 'p', ...filters]) {
        const url = `${list}?${name}=a%00b`;
        const res = await agent.get(url);
        assert.equal(res.statusCode, 400, url);
        assert.match(decodeEntities(res.body), UNSTORABLE, url);
        assert.match(res.body, new RegExp(`${name}: must not contain`), `${url} names the parameter`);
        // Invalid UTF-8 stays percent-encoded text: whatever the list answers, it is not a 5xx.
        for (const raw of ['%ED%A0%80', '%ED%B0%80x', '%C0%80', '%FF']) {
          const odd = await agent.get(`${list}?${name}=${raw}`);
          assert.ok(odd.statusCode < 500, `${list}?${name}=${raw}: ${odd.statusCode}`);
        }
      }
    }
    // A NUL in a path segment names nothing.
    for (const url of [
      '/admin/clients/%00/change/',
      '/admin/advertisers/%00/change/',
      '/admin/campaigns/%00/change/',
      '/admin/ml-scores/%00/%00/change/',
      '/admin/reports/%00/change/',
      '/admin/impressions/%00/change/',
      '/admin/users/%00/change/',
      '/admin/groups/%00/change/',
      '/admin/throttle/overrides/%00/change/',
      '/admin/advertisers/%00/stats/',
    ]) {
      const res = await agent.get(url);
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
    }
  });

  test('the list 400 page is translated', async () => {
    const agent = adminAgent(t.app, { 'accept-language': 'ru' });
    await login(agent, 'admin', 'admin');
    const res = await agent.get('/admin/clients/?q=%00');
    assert.equal(res.statusCode, 400);
    assert.match(
      decodeEntities(res.body),
      /q: не должно содержать символ NUL или непарные суррогатные символы/,
    );
  });

  test('login, the language switch and the moderation bulk actions refuse NUL with 400', async () => {
    const w = await world(t);
    const anonymous = adminAgent(t.app);
    for (const form of [
      { username: `admin${NUL}`, password: 'admin', next: '/admin/' },
      { username: 'admin', password: `admin${NUL}`, next: '/admin/' },
      { username: 'admin', password: 'admin', next: `/admin/${NUL}` },
    ]) {
      const res = await anonymous.post('/admin/login/', form);
      assert.equal(res.statusCode, 400, JSON.stringify(form));
      assert.match(decodeEntities(res.body), UNSTORABLE);
      assert.match(res.body, /id="login-form"/, 'the login form again');
    }
    assert.equal((await anonymous.get('/admin/login/?next=%2Fadmin%2F%00')).statusCode, 400);
    for (const form of [
      { language: `ru${NUL}`, next: '/admin/' },
      { language: 'ru', next: `/admin/${NUL}` },
    ]) {
      const res = await anonymous.post('/admin/language/', form);
      assert.equal(res.statusCode, 400, JSON.stringify(form));
      assert.match(decodeEntities(res.body), UNSTORABLE);
    }

    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    for (const form of [
      { action: `state_t${NUL}`, ids: w.reportId },
      { action: 'state_t', ids: [w.reportId, `${w.reportId}${NUL}`] },
      { action: 'delete', ids: w.reportId, confirm: `yes${NUL}` },
    ]) {
      const res = await agent.post('/admin/reports/', form, { from: '/admin/reports/' });
      assert.equal(res.statusCode, 400, JSON.stringify(form));
      assert.match(decodeEntities(res.body), UNSTORABLE);
    }
    const json = await postJson(agent, '/admin/reports/', {
      _csrf: csrfFrom((await agent.get('/admin/reports/')).body),
      action: 'state_t',
      ids: [`${w.reportId}${LONE_SURROGATE}`],
    });
    assert.equal(json.statusCode, 400);
    const report = await agent.get(`/admin/reports/${w.reportId}/change/`);
    assert.equal(report.statusCode, 200, 'the report is still there');
  });
});

describe('issue 12: redirects built from request input are valid header values', () => {
  const t = useTestApp();

  test('the language switch and the login keep a non-Latin-1 next, percent-encoded', async () => {
    const anonymous = adminAgent(t.app);
    const next = '/admin/嘊嘊?q=Мария';
    const switched = await anonymous.post('/admin/language/', { language: 'ru', next });
    assert.equal(switched.statusCode, 303);
    assert.equal(
      switched.headers.location,
      `/admin/${encodeURIComponent('嘊嘊')}?q=${encodeURIComponent('Мария')}`,
    );

    const agent = adminAgent(t.app);
    const res = await agent.post('/admin/login/', { username: 'admin', password: 'admin', next });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, switched.headers.location);
    const again = await agent.get(`/admin/login/?next=${encodeURIComponent(next)}`);
    assert.equal(again.statusCode, 303, 'logged in: straight to next');
    assert.equal(again.headers.location, switched.headers.location);
  });

  test('control characters, Latin-1 and already-encoded text give safe Location values', async () => {
    const anonymous = adminAgent(t.app);
    const cases: [string, string][] = [
      ['/admin/ÿé', '/admin/%C3%BF%C3%A9'],
      ['/admin/a%20b', '/admin/a%20b'],
      ['/admin/\u0001x', '/admin/%01x'],
      ['/admin/\u007fx', '/admin/%7Fx'],
      ['/admin/\u0085x', '/admin/%C2%85x'],
      ['/admin/a\r\nSet-Cookie: x=1', '/admin/'],
      ['//evil.example/', '/admin/'],
      ['/admin/\\\\evil', '/admin/'],
      [`/admin/${'x'.repeat(3000)}`, '/admin/'],
    ];
    for (const [next, location] of cases) {
      const res = await anonymous.post('/admin/language/', { language: 'en', next });
      assert.equal(res.statusCode, 303, JSON.stringify(next));
      assert.equal(res.headers.location, location, JSON.stringify(next));
    }
  });
});

describe('issue 12: login flood (spec §8 #40)', () => {
  const t = useTestApp({ ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP: '30' });

  test('150 parallel logins with random usernames from one IP get 429s at once; a real login from another IP succeeds meanwhile', async () => {
    const attacker = adminAgent(t.app);
    const token = csrfFrom((await attacker.get('/admin/login/')).body);
    const before = passwordHashingStats();
    const flood = Promise.all(
      Array.from({ length: 150 }, () =>
        attacker.request({
          method: 'POST',
          url: '/admin/login/',
          remoteAddress: '203.0.113.7',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: encodeForm({
            _csrf: token,
            username: `u${randomUUID()}`,
            password: 'guess',
            next: '/admin/',
          }),
        }),
      ),
    );
    const started = Date.now();
    const real = adminAgent(t.app);
    const page = await real.get('/admin/login/');
    const res = await real.request({
      method: 'POST',
      url: '/admin/login/',
      remoteAddress: '198.51.100.9',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: encodeForm({
        _csrf: csrfFrom(page.body),
        username: 'admin',
        password: 'admin',
        next: '/admin/',
      }),
    });
    const realSeconds = (Date.now() - started) / 1000;
    assert.equal(res.statusCode, 303, 'the real admin is logged in during the flood');
    // Generous: it waits for at most a couple of derivations, not for the flood (56 s before).
    assert.ok(realSeconds < 20, `the real login took ${realSeconds} s`);

    const answers = await flood;
    const statuses = answers.map((r) => r.statusCode);
    assert.deepEqual(
      [...new Set(statuses)].filter((s) => s !== 400 && s !== 429),
      [],
      'only "wrong credentials" and "too many"',
    );
    const limited = answers.filter((r) => r.statusCode === 429);
    assert.ok(limited.length >= 150 - 30, `${limited.length} refused`);
    for (const r of limited) {
      assert.match(String(r.headers['retry-after']), /^\d+$/);
      assert.match(r.body, /id="login-form"/);
    }
    const after = passwordHashingStats();
    // Each attempt past the per-IP limit is refused before any password work.
    assert.ok(after.started - before.started <= 30 + 1, `${after.started - before.started} derivations`);
    assert.ok(after.peak <= 2, `at most 2 derivations at once (saw ${after.peak})`);
  });
});

describe('issue 12: login limits', () => {
  const t = useTestApp({
    ADMIN_LOGIN_MAX_ATTEMPTS: '5',
    ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP: '3',
    ADMIN_LOGIN_WINDOW_SECONDS: '600',
  });

  const attempt = (agent: AdminAgent, ip: string, username: string, password: string) =>
    agent.get('/admin/login/').then((page) =>
      agent.request({
        method: 'POST',
        url: '/admin/login/',
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: encodeForm({ _csrf: csrfFrom(page.body), username, password, next: '/admin/' }),
      }),
    );

  test('attempts are limited per client IP across usernames, with Retry-After and a translated message', async () => {
    const { username } = await staffAgent(t.app, t.deps);
    const agent = adminAgent(t.app, { 'accept-language': 'ru' });
    for (const name of ['nobody-1', 'nobody-2', 'nobody-3']) {
      assert.equal((await attempt(agent, '192.0.2.1', name, 'x')).statusCode, 400);
    }
    const blocked = await attempt(agent, '192.0.2.1', username, STAFF_PASSWORD);
    assert.equal(blocked.statusCode, 429, 'even the right password of another user');
    assert.equal(blocked.headers['retry-after'], '600');
    assert.match(blocked.body, /Слишком много попыток входа с этого адреса/);
    // An IPv6 client counts by its /64: another address of the same network is the same client.
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:aaaa::3']) {
      assert.equal((await attempt(agent, ip, 'nobody', 'x')).statusCode, 400, ip);
    }
    assert.equal((await attempt(agent, '2001:db8:1:2:ffff::9', username, STAFF_PASSWORD)).statusCode, 429);
    const elsewhere = await attempt(adminAgent(t.app), '192.0.2.2', username, STAFF_PASSWORD);
    assert.equal(elsewhere.statusCode, 303, 'another IP is not blocked');
  });

  test('more password checks at once than the process takes get 429 + Retry-After at once, not a queue', async () => {
    const agent = adminAgent(t.app);
    const token = csrfFrom((await agent.get('/admin/login/')).body);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        agent.request({
          method: 'POST',
          url: '/admin/login/',
          remoteAddress: `198.18.0.${i + 1}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: encodeForm({ _csrf: token, username: `nobody-${i}`, password: 'x', next: '/admin/' }),
        }),
      ),
    );
    const busy = answers.filter((r) => r.statusCode === 429);
    assert.deepEqual(
      answers.filter((r) => r.statusCode !== 429 && r.statusCode !== 400).map((r) => r.statusCode),
      [],
    );
    assert.ok(busy.length >= 12 - 4, `${busy.length} refused: 2 checks run, 2 wait, the rest are refused`);
    for (const r of busy) {
      assert.equal(r.headers['retry-after'], '1');
      assert.match(r.body, /checking too many logins at once/);
    }
  });

  test('a RATE_LIMITED error elsewhere (the password change) is a 429 page with Retry-After', async () => {
    const agent = adminAgent(t.app);
    await login(agent, 'admin', 'admin');
    const token = csrfFrom((await agent.get('/admin/password_change/')).body);
    // Four derivations fill both running slots and both waiting places.
    const held = Array.from({ length: 4 }, () => hashPassword('held for the test'));
    const res = await agent.post(
      '/admin/password_change/',
      { old_password: 'admin', password: 'a new passphrase', password2: 'a new passphrase' },
      { csrf: token },
    );
    await Promise.all(held);
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '1');
    assert.match(res.body, /Too many requests/);
  });
});

describe('issue 12: Redis down', () => {
  test('with REDIS_URL pointing at nothing, a login answers a 503 page with Retry-After, not 500', async (t) => {
    // Built by hand: the shared helper's clean-up deletes test keys in Redis, which is not there.
    const database = usingPostgres ? await createTestDatabase() : undefined;
    const config = testConfig({
      DATABASE_URL: database?.url ?? 'memory://',
      REDIS_URL: 'redis://127.0.0.1:1/0',
      ADNOVA_ROLES: 'api',
    });
    const deps = await createDeps(config);
    const app = await buildApp(deps);
    t.after(async () => {
      await app.close();
      await deps.close();
      await database?.drop();
    });
    const agent = adminAgent(app);
    const page = await agent.get('/admin/login/');
    assert.equal(page.statusCode, 200, 'the login page needs no Redis');
    const res = await agent.post('/admin/login/', { username: 'admin', password: 'admin', next: '/admin/' });
    assert.equal(res.statusCode, 503);
    assert.match(String(res.headers['retry-after']), /^\d+$/);
    assert.match(res.body, /Service unavailable/);
  });
});
