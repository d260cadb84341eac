import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openPglite } from '../test/databases.ts';
import { createFakeClock } from '../test/fake-clock.ts';
import {
  cleanOverrideInput,
  describeEvent,
  describeOverride,
  eventAdminPermissions,
  type OverrideInput,
  overrideFormInitial,
  settingsAdminPermissions,
} from './admin.ts';
import { type AdsThrottleError, isAdsThrottleError } from './errors.ts';
import { createHasher } from './hashing.ts';
import { createMemoryStore } from './memory.store.ts';
import { createAdsThrottle } from './throttle.ts';

const SECRET = 'admin-suite-secret-0123456789abcdefgh';
const hasher = createHasher(SECRET);
const db = await openPglite();
after(() => db.close());

function rejection(input: OverrideInput): AdsThrottleError {
  try {
    cleanOverrideInput(input, undefined, hasher);
  } catch (error) {
    assert.ok(isAdsThrottleError(error), String(error));
    return error;
  }
  assert.fail('expected a validation error');
}

async function setup() {
  await db.reset();
  const clock = createFakeClock();
  const throttle = createAdsThrottle({
    config: { hashSecret: SECRET, threshold: 3 },
    query: db.query,
    store: createMemoryStore({ clock }),
    clock,
  });
  return { throttle, clock };
}

describe('override form validation (cases 60–64)', () => {
  it('case 60: apply to user without a user or viewer id', () => {
    const error = rejection({ applyTo: 'user', action: 'block' });
    assert.equal(error.code, 'ADS_THROTTLE_USER_OR_VIEWER_REQUIRED');
    assert.equal(error.message, 'Provide a user or viewer ID for the override.');
  });

  it('case 61: apply to IP without an IP; an invalid IP is also a field error', () => {
    const missing = rejection({ applyTo: 'ip', action: 'block' });
    assert.equal(missing.code, 'ADS_THROTTLE_IP_REQUIRED');
    assert.equal(missing.message, 'Provide an IP address to compute the hash.');
    const invalid = rejection({ applyTo: 'ip', action: 'block', rawIp: 'not-an-ip' });
    assert.equal(invalid.code, 'ADS_THROTTLE_IP_REQUIRED');
    assert.deepEqual(invalid.localizeFieldErrors('en'), { rawIp: 'Enter a valid IPv4 or IPv6 address.' });
  });

  it('case 62: a bad scope is reported alone, before a missing IP', () => {
    const error = rejection({ applyTo: 'ip', action: 'block', scope: 'bad' });
    assert.equal(error.code, 'ADS_THROTTLE_SCOPE_INVALID');
    assert.equal(error.message, "Scope must be empty or start with '/'. Example: /courses/abc/.");
    assert.deepEqual(error.details.nonFieldErrors, ['error.scopeInvalid']);
  });

  it('an invalid action gives the field error and "Choose an action"', () => {
    const error = rejection({ applyTo: 'all', action: 'maybe' });
    assert.equal(error.code, 'ADS_THROTTLE_ACTION_INVALID');
    assert.equal(error.message, 'Choose an action: show or block.');
    assert.match(error.localizeFieldErrors('en').action ?? '', /Select a valid choice\. maybe is not one/);
    assert.equal(rejection({ applyTo: 'everyone', action: 'block' }).code, 'ADS_THROTTLE_APPLY_TO_INVALID');
    assert.equal(
      rejection({ applyTo: 'all', action: 'block', expiresAt: 'tomorrow-ish' }).code,
      'ADS_THROTTLE_EXPIRES_AT_INVALID',
    );
  });

  it('case 63: apply to all + show gives a show rule', () => {
    const row = cleanOverrideInput({ applyTo: 'all', action: 'show' }, undefined, hasher);
    assert.deepEqual([row.target, row.action], ['all', 'show']);
  });

  it('case 64: apply to all drops a submitted user and raw IP', () => {
    const row = cleanOverrideInput(
      { applyTo: 'all', action: 'block', userId: 7, rawIp: '1.2.3.4' },
      undefined,
      hasher,
    );
    assert.deepEqual([row.userId, row.viewerIdHash, row.viewerLabel, row.ipAddressHash], ['', '', '', '']);
  });

  it('trims the scope and accepts a viewer id only as user:<id> or session:<key>', () => {
    assert.equal(
      cleanOverrideInput({ applyTo: 'all', action: 'block', scope: '  /x/ ' }, undefined, hasher).scope,
      '/x/',
    );
    assert.equal(
      rejection({ applyTo: 'viewer', action: 'block', viewerId: 'anonymous' }).code,
      'ADS_THROTTLE_VIEWER_ID_INVALID',
    );
    assert.equal(
      rejection({ applyTo: 'viewer', action: 'block', viewerId: 'bob' }).code,
      'ADS_THROTTLE_VIEWER_ID_INVALID',
    );
    const session = cleanOverrideInput(
      { applyTo: 'user', action: 'block', viewerId: 'session:k' },
      undefined,
      hasher,
    );
    assert.deepEqual([session.target, session.userId], ['viewer', '']);
  });
});

describe('override management (cases 65–70)', () => {
  it('case 65: an IP rule stores only the keyed hash; no column holds the raw IP', async () => {
    const { throttle } = await setup();
    const rule = await throttle.createOverride({
      applyTo: 'ip',
      action: 'block',
      rawIp: '1.2.3.4',
      userId: 9,
    });
    assert.equal(rule.ipAddressHash, hasher.ip('1.2.3.4'));
    assert.deepEqual([rule.userId, rule.viewerLabel, rule.viewerIdHash], ['', '', '']);
    const { rows } = (await db.raw(`SELECT row_to_json(o)::text AS j FROM ads_throttle_overrides o`)) as {
      rows: Array<{ j: string }>;
    };
    assert.ok(rows.every((row) => !row.j.includes('1.2.3.4')));
  });

  it('case 66: a user rule for user 7 gets viewer id user:7 and no IP hash', async () => {
    const { throttle } = await setup();
    const rule = await throttle.createOverride({
      applyTo: 'user',
      action: 'show',
      userId: 7,
      rawIp: '1.2.3.4',
    });
    assert.deepEqual(
      [rule.target, rule.userId, rule.viewerLabel, rule.ipAddressHash],
      ['user', '7', 'user:7', ''],
    );
    assert.equal(rule.viewerIdHash, hasher.viewerId('user:7'));
  });

  it('case 67: IPv6 is canonicalised before hashing', async () => {
    const { throttle } = await setup();
    const rule = await throttle.createOverride({
      applyTo: 'ip',
      action: 'block',
      rawIp: '2001:0DB8:0000::0001',
    });
    assert.equal(rule.ipAddressHash, hasher.ip('2001:db8::1'));
  });

  it('case 68: events are read-only; only a superuser may delete', async () => {
    const { throttle } = await setup();
    assert.deepEqual(eventAdminPermissions({}), { view: true, add: false, change: false, delete: false });
    assert.equal(eventAdminPermissions({ isSuperuser: true }).delete, true);
    const who = { remoteAddress: '10.0.0.1', path: '/p/' };
    for (let i = 0; i < 4; i += 1) await throttle.decide(who);
    await throttle.idle();
    const [event] = (await throttle.listEvents()).items;
    assert.ok(event);
    await assert.rejects(throttle.deleteEvent(event.id, { isSuperuser: false }), (error) =>
      isAdsThrottleError(error, 'ADS_THROTTLE_FORBIDDEN'),
    );
    await throttle.deleteEvent(event.id, { isSuperuser: true });
    await assert.rejects(throttle.deleteEvent(event.id, { isSuperuser: true }), (error) =>
      isAdsThrottleError(error, 'ADS_THROTTLE_NOT_FOUND'),
    );
  });

  it('case 69: searching the rule list for a raw IP finds rules by its hash', async () => {
    const { throttle } = await setup();
    await throttle.createOverride({ applyTo: 'ip', action: 'block', rawIp: '1.2.3.4' });
    await throttle.createOverride({ applyTo: 'all', action: 'show', scope: '/promo/' });
    const session = await throttle.createOverride({
      applyTo: 'viewer',
      action: 'block',
      viewerId: 'session:abc',
    });
    assert.equal((await throttle.listOverrides({ search: '1.2.3.4' })).total, 1);
    assert.equal((await throttle.listOverrides({ search: ' 1.2.3.4 ' })).total, 1);
    assert.equal((await throttle.listOverrides({ search: '::ffff:1.2.3.4' })).total, 1);
    assert.equal((await throttle.listOverrides({ search: 'promo' })).total, 1);
    assert.deepEqual(
      (await throttle.listOverrides({ search: 'session:abc' })).items.map((rule) => rule.id),
      [session.id],
    );
  });

  it('case 70: editing an IP rule starts as ip/action and keeps the hash without a new raw IP', async () => {
    const { throttle } = await setup();
    const rule = await throttle.createOverride({ applyTo: 'ip', action: 'show', rawIp: '1.2.3.4' });
    assert.deepEqual(overrideFormInitial(rule), { applyTo: 'ip', action: 'show' });
    assert.deepEqual(overrideFormInitial(), { applyTo: 'user', action: 'block' });
    const updated = await throttle.updateOverride(rule.id, { applyTo: 'ip', action: 'block', scope: '/x/' });
    assert.deepEqual(
      [updated.ipAddressHash, updated.action, updated.scope],
      [rule.ipAddressHash, 'block', '/x/'],
    );
    const moved = await throttle.updateOverride(rule.id, {
      applyTo: 'ip',
      action: 'block',
      rawIp: '5.6.7.8',
    });
    assert.equal(moved.ipAddressHash, hasher.ip('5.6.7.8'));
  });

  it('get, update and delete report unknown ids', async () => {
    const { throttle } = await setup();
    for (const run of [
      () => throttle.getOverride('999'),
      () => throttle.updateOverride('999', { applyTo: 'all', action: 'block' }),
      () => throttle.deleteOverride('nope'),
    ]) {
      await assert.rejects(run(), (error) => isAdsThrottleError(error, 'ADS_THROTTLE_NOT_FOUND'));
    }
  });

  it('lists rules with active/expired status and flags rules hashed with another secret', async () => {
    const { throttle, clock } = await setup();
    await throttle.createOverride({
      applyTo: 'all',
      action: 'block',
      expiresAt: new Date(clock.now() - 1000),
    });
    const ipRule = await throttle.createOverride({ applyTo: 'ip', action: 'block', rawIp: '1.2.3.4' });
    assert.equal((await throttle.listOverrides({ status: 'active' })).total, 1);
    assert.equal((await throttle.listOverrides({ status: 'expired' })).items[0]?.active, false);
    const rotated = createAdsThrottle({
      config: { hashSecret: `${SECRET}-rotated` },
      query: db.query,
      clock,
    });
    assert.equal((await rotated.getOverride(ipRule.id)).staleKey, true);
    assert.equal((await throttle.getOverride(ipRule.id)).staleKey, false);
  });

  it('deletes a host user’s rules', async () => {
    const { throttle } = await setup();
    await throttle.createOverride({ applyTo: 'user', action: 'block', userId: 'u1' });
    await throttle.createOverride({ applyTo: 'viewer', action: 'block', viewerId: 'user:u1', scope: '/a/' });
    assert.equal(await throttle.deleteOverridesForUser('u1'), 2);
    assert.equal(await throttle.shouldShowAds({ userId: 'u1', path: '/a/' }), true);
  });

  it('deletes events past the retention period', async () => {
    const { throttle, clock } = await setup();
    for (let i = 0; i < 4; i += 1) await throttle.decide({ remoteAddress: '10.0.0.1', path: '/old/' });
    await throttle.idle();
    clock.advance(86_400 * 91);
    for (let i = 0; i < 4; i += 1) await throttle.decide({ remoteAddress: '10.0.0.1', path: '/new/' });
    await throttle.idle();
    assert.equal(await throttle.deleteExpiredEvents(), 1);
    assert.deepEqual(
      (await throttle.listEvents()).items.map((event) => event.scope),
      ['/new/'],
    );
  });
});

describe('display strings and permissions', () => {
  it('describes overrides, events and settings the way the original does', async () => {
    const { throttle } = await setup();
    const all = await throttle.createOverride({ applyTo: 'all', action: 'block' });
    const user = await throttle.createOverride({ applyTo: 'user', action: 'block', userId: 7, scope: '/a/' });
    assert.equal(describeOverride(all), 'Override for all viewers (all scopes)');
    assert.equal(describeOverride(user), 'Override for user:7 (/a/)');
    assert.equal(describeOverride(all, 'ru'), 'Правило для все зрители (все области)');
    assert.equal(describeEvent({ scope: '' }), 'Ads throttle event (all scopes)');
    assert.equal(describeEvent({ scope: '/x/' }, 'ru'), 'Событие ограничения рекламы (/x/)');
  });

  it('case 7: settings may be added only while no row exists', () => {
    assert.equal(settingsAdminPermissions(false).add, true);
    assert.equal(settingsAdminPermissions(true).add, false);
  });
});
