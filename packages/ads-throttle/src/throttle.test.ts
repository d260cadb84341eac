import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { openPglite } from '../test/databases.ts';
import { captureLogger, instrumentStore } from '../test/doubles.ts';
import { createFakeClock, T0 } from '../test/fake-clock.ts';
import { type StoreVariant, storeVariants } from '../test/stores.ts';
import type { ThrottleOptions } from './config.ts';
import { isAdsThrottleError } from './errors.ts';
import { createHasher } from './hashing.ts';
import { storeKeys } from './store.ts';
import { type AdsThrottle, createAdsThrottle, type ThrottleFailure } from './throttle.ts';
import type { ViewerInput } from './viewer.ts';

const SECRET = 'decision-suite-secret-0123456789abcdef';

/** The behaviour §12 fixture: W=600, T=3, B=3600, E=60, anonymous, 10.0.0.1, UA "ua", path /p/. */
const FIXTURE: ThrottleOptions = {
  hashSecret: SECRET,
  windowSeconds: 600,
  threshold: 3,
  blockSeconds: 3600,
  eventRecordSeconds: 60,
};

const db = await openPglite();
after(() => db.close());

function viewer(overrides: Partial<ViewerInput> = {}): ViewerInput {
  return { remoteAddress: '10.0.0.1', headers: { 'user-agent': 'ua' }, path: '/p/', ...overrides };
}

function suite(variant: StoreVariant): void {
  describe(`decisions on the ${variant.name} store`, { skip: variant.skip }, () => {
    // Event writes run after a decision returns; wait for them so none lands in the next test's tables.
    const created: AdsThrottle[] = [];
    const settle = async () => {
      await Promise.all(created.splice(0).map((throttle) => throttle.idle()));
    };
    afterEach(settle);
    after(() => variant.close());

    const setup = async (config: ThrottleOptions = {}, options: { withDatabase?: boolean } = {}) => {
      await settle();
      await db.reset();
      const clock = createFakeClock();
      const { store: rawStore, prefix, twin } = await variant.create(clock);
      const store = instrumentStore(rawStore);
      const logger = captureLogger();
      const failures: ThrottleFailure[] = [];
      const fullConfig = { ...FIXTURE, keyPrefix: prefix, ...config };
      const throttle = createAdsThrottle({
        config: fullConfig,
        query: options.withDatabase === false ? undefined : db.query,
        store,
        clock,
        logger,
        onFailure: (failure) => failures.push(failure),
      });
      created.push(throttle);
      /** A second process: own throttle, own store connection, same database and shared cache. */
      const secondProcess = (): AdsThrottle => {
        const other = createAdsThrottle({ config: fullConfig, query: db.query, store: twin(clock), clock });
        created.push(other);
        return other;
      };
      const run = async (n: number, who: ViewerInput = viewer(), scope?: string): Promise<boolean[]> => {
        const out: boolean[] = [];
        for (let i = 0; i < n; i += 1) out.push(await throttle.shouldShowAds(who, { scope }));
        return out;
      };
      const events = async () => {
        await throttle.idle();
        return (await throttle.listEvents()).items;
      };
      return { throttle, clock, store, logger, failures, run, events, secondProcess, prefix };
    };

    describe('settings (cases 1–7)', () => {
      it('case 1: without a row, the static values apply', async () => {
        const { throttle } = await setup({
          windowSeconds: 111,
          threshold: 7,
          blockSeconds: 99,
          eventRecordSeconds: 12,
        });
        assert.deepEqual(await throttle.getEffectiveSettings(), {
          source: 'config',
          values: { windowSeconds: 111, threshold: 7, blockSeconds: 99, eventRecordSeconds: 12 },
        });
      });

      it('case 2: a row wins over static configuration', async () => {
        const { throttle } = await setup({
          windowSeconds: 1,
          threshold: 1,
          blockSeconds: 1,
          eventRecordSeconds: 1,
        });
        await db.raw(
          `INSERT INTO ads_throttle_settings (view_repeat_window_seconds, view_repeat_threshold, block_seconds, event_record_seconds) VALUES (555, 9, 321, 33)`,
        );
        assert.deepEqual((await throttle.getEffectiveSettings()).values, {
          windowSeconds: 555,
          threshold: 9,
          blockSeconds: 321,
          eventRecordSeconds: 33,
        });
      });

      it('case 3: a row created with only threshold=5 gives 600/5/3600/60; static values are ignored', async () => {
        const { throttle } = await setup({
          windowSeconds: 111,
          threshold: 7,
          blockSeconds: 99,
          eventRecordSeconds: 12,
        });
        await db.raw(`INSERT INTO ads_throttle_settings (view_repeat_threshold) VALUES (5)`);
        assert.deepEqual((await throttle.getEffectiveSettings()).values, {
          windowSeconds: 600,
          threshold: 5,
          blockSeconds: 3600,
          eventRecordSeconds: 60,
        });
      });

      it('case 4: the resolved row is cached under ads_throttle:settings; a cached dict needs 0 queries', async () => {
        const { throttle, store, prefix } = await setup();
        await db.raw(
          `INSERT INTO ads_throttle_settings (view_repeat_window_seconds, view_repeat_threshold, block_seconds, event_record_seconds) VALUES (123, 7, 321, 11)`,
        );
        await throttle.getEffectiveSettings();
        const cached = await store.get(`${prefix}ads_throttle:settings`);
        assert.deepEqual(JSON.parse(cached ?? 'null'), {
          view_repeat_window_seconds: 123,
          view_repeat_threshold: 7,
          block_seconds: 321,
          event_record_seconds: 11,
        });

        const other = await setup();
        await other.store.set(
          `${other.prefix}ads_throttle:settings`,
          JSON.stringify({
            view_repeat_window_seconds: 1,
            view_repeat_threshold: 2,
            block_seconds: 3,
            event_record_seconds: 4,
          }),
          300,
        );
        const before = db.count();
        assert.deepEqual((await other.throttle.getEffectiveSettings()).values, {
          windowSeconds: 1,
          threshold: 2,
          blockSeconds: 3,
          eventRecordSeconds: 4,
        });
        assert.equal(db.count(), before);
      });

      it('case 5: an out-of-band row change shows after the settings TTL; an admin save shows at once', async () => {
        const { throttle, clock } = await setup();
        await db.raw(`INSERT INTO ads_throttle_settings (view_repeat_threshold) VALUES (5)`);
        assert.equal((await throttle.getEffectiveSettings()).values.threshold, 5);
        await db.raw(`UPDATE ads_throttle_settings SET view_repeat_threshold = 9`);
        clock.advance(100);
        assert.equal((await throttle.getEffectiveSettings()).values.threshold, 5);
        clock.advance(201);
        assert.equal((await throttle.getEffectiveSettings()).values.threshold, 9);

        await throttle.updateSettings({ threshold: 11 });
        assert.equal((await throttle.getEffectiveSettings()).values.threshold, 11);
      });

      it('case 5 (port): another process sees an admin save within localCacheSeconds', async () => {
        const { throttle, clock, secondProcess, run } = await setup();
        const other = secondProcess();
        await run(1);
        assert.equal(await other.shouldShowAds(viewer()), true);
        await throttle.updateSettings({ threshold: 1 });
        clock.advance(2);
        assert.deepEqual(
          [
            await other.shouldShowAds(viewer({ path: '/q/' })),
            await other.shouldShowAds(viewer({ path: '/q/' })),
          ],
          [true, false],
        );
      });

      it('case 6 (port): without a row the absence is cached, so the second resolve runs 0 queries', async () => {
        const { throttle, clock } = await setup();
        const start = db.count();
        await throttle.getEffectiveSettings();
        assert.equal(db.count(), start + 1);
        await throttle.getEffectiveSettings();
        clock.advance(10);
        await throttle.getEffectiveSettings();
        assert.equal(db.count(), start + 1);
      });

      it('case 7: "add" only while no row exists; the database refuses a second row', async () => {
        const { throttle } = await setup({ threshold: 4 });
        assert.equal(await throttle.findSettings(), undefined);
        const created = await throttle.createSettings({ blockSeconds: 10 });
        assert.deepEqual(
          [created.windowSeconds, created.threshold, created.blockSeconds, created.eventRecordSeconds],
          [600, 4, 10, 60],
        );
        await assert.rejects(throttle.createSettings({}), (error) =>
          isAdsThrottleError(error, 'ADS_THROTTLE_SETTINGS_EXISTS'),
        );
        await assert.rejects(
          db.raw(`INSERT INTO ads_throttle_settings (id) VALUES (2)`),
          /check constraint/i,
        );
        await assert.rejects(throttle.updateSettings({ threshold: 0 }), (error) =>
          isAdsThrottleError(error, 'ADS_THROTTLE_SETTINGS_INVALID'),
        );
        assert.equal(await throttle.deleteSettings(), true);
        assert.equal((await throttle.getEffectiveSettings()).source, 'config');
      });
    });

    describe('identity (cases 20–21)', () => {
      it('case 21: parity IP mode with X-Real-IP builds the original fingerprint parts', async () => {
        const { throttle } = await setup({ ipMode: 'parity', ipHeader: 'X-Real-IP' });
        const resolved = throttle.resolveViewer({
          headers: { 'x-real-ip': '10.0.0.5', 'user-agent': 'ua' },
          remoteAddress: '1.1.1.1',
          path: '/p/',
        });
        assert.deepEqual(
          [resolved.viewerId, resolved.clientIp, resolved.userAgent],
          ['anonymous', '10.0.0.5', 'ua'],
        );
        assert.equal(resolved.viewerHash, createHasher(SECRET).fingerprint('anonymous', '10.0.0.5', 'ua'));
      });

      it('case 20: an IP rule saved from 1.2.3.4 matches a socket address ::ffff:1.2.3.4', async () => {
        const { throttle } = await setup();
        await throttle.createOverride({ applyTo: 'ip', action: 'block', rawIp: '1.2.3.4' });
        assert.equal(
          (await throttle.decide(viewer({ remoteAddress: '::ffff:1.2.3.4' }))).reason,
          'override-block',
        );
      });

      it('a host-resolved ip wins over headers and the socket', async () => {
        const { throttle } = await setup();
        const resolved = throttle.resolveViewer(
          viewer({ ip: '::ffff:9.9.9.9', headers: { 'x-forwarded-for': '1.1.1.1' } }),
        );
        assert.equal(resolved.clientIp, '9.9.9.9');
      });
    });

    describe('threshold, window and block (cases 23–38)', () => {
      it('case 23: T=3, six decisions give [T,T,T,F,F,F] and set the block', async () => {
        const { throttle, run } = await setup();
        assert.deepEqual(await run(6), [true, true, true, false, false, false]);
        const state = await throttle.inspectViewer(viewer());
        assert.equal(state.blockedForMs, 3_600_000);
        assert.equal(state.count, null);
      });

      it('case 23 (original mode): the count key holds 4', async () => {
        const { throttle, run } = await setup({ blockResetsWindow: false });
        assert.deepEqual(await run(6), [true, true, true, false, false, false]);
        assert.deepEqual(await throttle.inspectViewer(viewer()), { count: 4, blockedForMs: 3_600_000 });
      });

      it('returns the reason, counts and Retry-After for each outcome', async () => {
        const { throttle, clock } = await setup();
        assert.deepEqual(await throttle.decide(viewer()), {
          show: true,
          reason: 'ok',
          scope: '/p/',
          count: 1,
          remaining: 2,
        });
        await throttle.decide(viewer());
        await throttle.decide(viewer());
        assert.deepEqual(await throttle.decide(viewer()), {
          show: false,
          reason: 'threshold',
          scope: '/p/',
          count: 4,
          retryAfterSeconds: 3600,
        });
        clock.advance(1000);
        assert.deepEqual(await throttle.decide(viewer()), {
          show: false,
          reason: 'blocked',
          scope: '/p/',
          retryAfterSeconds: 2600,
        });
      });

      it('case 24: T=1, W=B=E=60: [T,F,F] and exactly one event with count 1, blocked', async () => {
        const { run, events } = await setup({
          threshold: 1,
          windowSeconds: 60,
          blockSeconds: 60,
          eventRecordSeconds: 60,
        });
        assert.deepEqual(await run(3), [true, false, false]);
        const rows = await events();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.count, 1);
        assert.equal(rows[0]?.blocked, true);
        assert.equal(rows[0]?.reason, 'threshold');
      });

      it('cases 25 and 26 (port): T=0 and W=0 are rejected by configuration', async () => {
        for (const config of [{ threshold: 0 }, { windowSeconds: 0 }]) {
          assert.throws(
            () => createAdsThrottle({ config: { ...FIXTURE, ...config } }),
            (error) => isAdsThrottleError(error, 'ADS_THROTTLE_CONFIG_INVALID'),
          );
        }
      });

      it('case 27: B=0: [T,T,T,F,F,F] and no block key', async () => {
        const { throttle, run } = await setup({ blockSeconds: 0 });
        assert.deepEqual(await run(6), [true, true, true, false, false, false]);
        assert.equal((await throttle.inspectViewer(viewer())).blockedForMs, null);
      });

      it('case 28: a view at t0+100 with W=100 opens a new window at count 1', async () => {
        const { throttle, run, clock } = await setup({ windowSeconds: 100 });
        await run(3);
        clock.advance(100);
        const decision = await throttle.decide(viewer());
        assert.equal(decision.show, true);
        assert.equal(decision.count, 1);
      });

      it('case 29: the window is fixed from t0: views at +90, +95 and +99 end in a refusal', async () => {
        const { run, clock } = await setup({ windowSeconds: 100 });
        await run(1);
        clock.advance(90);
        await run(1);
        clock.advance(5);
        await run(1);
        clock.advance(4);
        assert.deepEqual(await run(1), [false]);
      });

      it('case 30: W=100, B=1000: false at +999, true at +1000 with the count at 1', async () => {
        const { throttle, run, clock } = await setup({ windowSeconds: 100, blockSeconds: 1000 });
        await run(4);
        clock.advance(999);
        assert.deepEqual(await run(1), [false]);
        clock.advance(1);
        const decision = await throttle.decide(viewer());
        assert.deepEqual([decision.show, decision.count], [true, 1]);
      });

      it('case 31 (port, behaviour §0): W=1000, B=100: the block lasts exactly B', async () => {
        const { run, clock } = await setup({ windowSeconds: 1000, blockSeconds: 100 });
        assert.deepEqual(await run(4), [true, true, true, false]);
        clock.advance(99);
        assert.deepEqual(await run(1), [false]);
        clock.advance(2);
        assert.deepEqual(await run(1), [true]);
      });

      it('case 31 (original mode): re-blocked at +101 and +202, shown at +1202', async () => {
        const { run, clock } = await setup({
          windowSeconds: 1000,
          blockSeconds: 100,
          blockResetsWindow: false,
        });
        await run(4);
        clock.advance(101);
        assert.deepEqual(await run(1), [false]);
        clock.advance(101);
        assert.deepEqual(await run(1), [false]);
        clock.advance(1000);
        assert.deepEqual(await run(1), [true]);
      });

      it('case 32: ten views during a block leave the count unchanged', async () => {
        const { throttle, run } = await setup({ blockResetsWindow: false });
        await run(4);
        const before = await throttle.inspectViewer(viewer());
        await run(10);
        assert.deepEqual((await throttle.inspectViewer(viewer())).count, before.count);
      });

      it('case 33: scopes are independent', async () => {
        const { run } = await setup({ threshold: 1 });
        assert.deepEqual(await run(2, viewer({ path: '/a/' })), [true, false]);
        assert.deepEqual(await run(1, viewer({ path: '/b/' })), [true]);
      });

      it('case 34: an explicit scope shares one counter across URLs; "" uses the path', async () => {
        const { throttle, events } = await setup({ threshold: 2 });
        const results = [
          await throttle.shouldShowAds(viewer({ path: '/landing/v1/' }), { scope: '/landing/' }),
          await throttle.shouldShowAds(viewer({ path: '/landing/v2/' }), { scope: '/landing/' }),
          await throttle.shouldShowAds(viewer({ path: '/landing/v1/' }), { scope: '/landing/' }),
        ];
        assert.deepEqual(results, [true, true, false]);
        assert.equal(await throttle.shouldShowAds(viewer({ path: '/landing/v1/' }), { scope: '' }), true);
        const rows = await events();
        assert.deepEqual(
          rows.map((row) => row.scope),
          ['/landing/'],
        );
      });

      it('case 35: a different User-Agent is a different fingerprint', async () => {
        const { run } = await setup({ threshold: 1 });
        assert.deepEqual(await run(1, viewer({ headers: { 'user-agent': 'ua-1' } })), [true]);
        assert.deepEqual(await run(1, viewer({ headers: { 'user-agent': 'ua-2' } })), [true]);
      });

      it('case 36: no request gives true with no store call and no query', async () => {
        const { throttle, store } = await setup();
        const queries = db.count();
        assert.equal(await throttle.shouldShowAds(undefined), true);
        assert.equal(await throttle.shouldShowAds(null), true);
        assert.equal(store.total(), 0);
        assert.equal(db.count(), queries);
      });

      it('case 37: 100 concurrent decisions with T=20 give exactly 20 true and 80 false', async () => {
        const { throttle } = await setup({ threshold: 20 });
        const results = await Promise.all(
          Array.from({ length: 100 }, () => throttle.shouldShowAds(viewer())),
        );
        assert.equal(results.filter(Boolean).length, 20);
        assert.equal(results.filter((r) => !r).length, 80);
        assert.notEqual((await throttle.inspectViewer(viewer())).blockedForMs, null);
      });

      it('case 37 (original mode): ... and the count key is 21', async () => {
        const { throttle } = await setup({ threshold: 20, blockResetsWindow: false });
        const results = await Promise.all(
          Array.from({ length: 100 }, () => throttle.shouldShowAds(viewer())),
        );
        assert.equal(results.filter(Boolean).length, 20);
        assert.equal((await throttle.inspectViewer(viewer())).count, 21);
      });

      it('case 38: a store error gives onError (show by default), logged once and counted', async () => {
        const { throttle, store, logger, failures, clock } = await setup({ breakerFailures: 0 });
        await throttle.decide(viewer());
        store.fail(['hit']);
        const decision = await throttle.decide(viewer());
        assert.deepEqual(decision, {
          show: true,
          reason: 'error',
          scope: '/p/',
          errorCode: 'ADS_THROTTLE_STORE_UNAVAILABLE',
        });
        await throttle.decide(viewer());
        assert.equal(failures.length, 2);
        assert.equal(logger.at('error').length, 1);
        assert.equal(logger.at('error')[0]?.obj.code, 'ADS_THROTTLE_STORE_UNAVAILABLE');
        clock.advance(60);
        await throttle.decide(viewer());
        assert.equal(logger.at('error').length, 2);
        assert.equal(logger.at('error')[1]?.obj.suppressedSinceLastLog, 1);
        assert.equal(throttle.stats().failures.store, 3);
      });

      it('case 38: onError "hide" hides ads on failure', async () => {
        const { throttle, store } = await setup({ onError: 'hide' });
        store.fail(['hit']);
        assert.equal(await throttle.shouldShowAds(viewer()), false);
      });
    });

    describe('events (cases 43–46)', () => {
      it('case 43: one recording per E seconds; first_seen stays, last_seen moves', async () => {
        const { run, events, clock } = await setup({ threshold: 1, eventRecordSeconds: 60 });
        await run(3);
        let rows = await events();
        assert.equal(rows[0]?.count, 1);
        clock.advance(61);
        await run(2);
        rows = await events();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.count, 2);
        assert.equal(rows[0]?.firstSeen.getTime(), T0);
        assert.equal(rows[0]?.lastSeen.getTime(), T0 + 61_000);
      });

      it('case 44: E=0 records every refused view', async () => {
        const { run, events } = await setup({ threshold: 1, eventRecordSeconds: 0 });
        await run(5);
        assert.equal((await events())[0]?.count, 4);
      });

      it('case 45: a show override and allowed views write no events', async () => {
        const { throttle, run, events } = await setup({ threshold: 3 });
        await run(3);
        assert.deepEqual(await events(), []);
        await throttle.createOverride({ applyTo: 'all', action: 'show', scope: '/p/' });
        assert.deepEqual(await run(5), [true, true, true, true, true]);
        assert.deepEqual(await events(), []);
      });

      it('case 46: a failing event write never changes the decision; it is logged and the gate released', async () => {
        const { throttle, run, events, logger } = await setup({ threshold: 1 });
        await run(1);
        db.breakDown();
        assert.deepEqual(await run(1), [false]);
        await throttle.idle();
        assert.equal(logger.at('error')[0]?.obj.code, 'ADS_THROTTLE_EVENT_WRITE_FAILED');
        assert.equal(throttle.stats().failures.eventWrites, 1);
        db.heal();
        assert.deepEqual(await run(1), [false]);
        assert.equal((await events())[0]?.count, 1);
      });
    });

    describe('overrides (cases 47–59)', () => {
      it('case 47: a user "show" rule on /promo/ shows ads and logs nothing', async () => {
        const { throttle, events } = await setup({ threshold: 1 });
        await throttle.createOverride({ applyTo: 'user', userId: 5, action: 'show', scope: '/promo/' });
        const who = viewer({ userId: 5, path: '/promo/' });
        assert.deepEqual(await Promise.all([1, 2, 3].map(() => throttle.shouldShowAds(who))), [
          true,
          true,
          true,
        ]);
        assert.deepEqual(await events(), []);
      });

      it('case 48: a user "block" rule hides ads and logs one blocked event', async () => {
        const { throttle, events } = await setup();
        await throttle.createOverride({ applyTo: 'user', userId: 5, action: 'block', scope: '/blocked/' });
        const decision = await throttle.decide(viewer({ userId: 5, path: '/blocked/' }));
        assert.deepEqual(decision, { show: false, reason: 'override-block', scope: '/blocked/' });
        const rows = await events();
        assert.equal(rows.length, 1);
        assert.deepEqual([rows[0]?.blocked, rows[0]?.count, rows[0]?.reason], [true, 1, 'override']);
        assert.equal((await throttle.inspectViewer(viewer({ userId: 5, path: '/blocked/' }))).count, null);
      });

      it('case 49: "show" for a user and "block" for viewer id user:<pk> gives block', async () => {
        const { throttle } = await setup();
        await throttle.createOverride({ applyTo: 'user', userId: 42, action: 'show', scope: '/x/' });
        await throttle.createOverride({
          applyTo: 'viewer',
          viewerId: 'user:42',
          action: 'block',
          scope: '/x/',
        });
        assert.equal((await throttle.decide(viewer({ userId: 42, path: '/x/' }))).reason, 'override-block');
      });

      it('case 50: a site-wide "all, block" beats a per-user "show"', async () => {
        const { throttle } = await setup();
        await throttle.createOverride({ applyTo: 'all', action: 'block' });
        await throttle.createOverride({ applyTo: 'user', userId: 42, action: 'show', scope: '/a/' });
        assert.equal(await throttle.shouldShowAds(viewer({ userId: 42, path: '/a/' })), false);
      });

      it('case 51: expired rules (including expiry == now) do nothing; future expiry is active', async () => {
        const { throttle, clock } = await setup();
        const rule = await throttle.createOverride({
          applyTo: 'all',
          action: 'block',
          expiresAt: new Date(clock.now() - 86_400_000),
        });
        assert.equal((await throttle.decide(viewer())).reason, 'ok');
        await throttle.updateOverride(rule.id, {
          applyTo: 'all',
          action: 'block',
          expiresAt: new Date(clock.now()),
        });
        assert.equal((await throttle.decide(viewer())).reason, 'ok');
        await throttle.updateOverride(rule.id, {
          applyTo: 'all',
          action: 'block',
          expiresAt: new Date(clock.now() + 3_600_000),
        });
        const decision = await throttle.decide(viewer());
        assert.deepEqual([decision.reason, decision.retryAfterSeconds], ['override-block', 3600]);
      });

      it('case 52: a rule on /a/ matches /a/ only, not /a/b/ or /a', async () => {
        const { throttle } = await setup();
        await throttle.createOverride({ applyTo: 'all', action: 'show', scope: '/a/' });
        assert.equal((await throttle.decide(viewer({ path: '/a/' }))).reason, 'override-show');
        assert.equal((await throttle.decide(viewer({ path: '/a/b/' }))).reason, 'ok');
        assert.equal((await throttle.decide(viewer({ path: '/a' }))).reason, 'ok');
      });

      it('case 53: a site-wide IP block hits every path from that IP only', async () => {
        const { throttle } = await setup();
        await throttle.createOverride({ applyTo: 'ip', action: 'block', rawIp: '10.0.0.1' });
        assert.equal(await throttle.shouldShowAds(viewer({ path: '/one/' })), false);
        assert.equal(await throttle.shouldShowAds(viewer({ path: '/two/' })), false);
        assert.equal(await throttle.shouldShowAds(viewer({ remoteAddress: '10.0.0.2' })), true);
      });

      it('case 54: a "show" rule for the IP of a blocked viewer shows ads; the flag stays', async () => {
        const { throttle, run } = await setup();
        assert.deepEqual(await run(4), [true, true, true, false]);
        await throttle.createOverride({ applyTo: 'ip', action: 'show', rawIp: '10.0.0.1' });
        assert.equal(await throttle.shouldShowAds(viewer()), true);
        assert.notEqual((await throttle.inspectViewer(viewer())).blockedForMs, null);
      });

      it('case 55 (port): a loaded rule index answers with 0 queries', async () => {
        const { throttle } = await setup();
        const who = viewer({ sessionId: 'abc', remoteAddress: '1.2.3.4', path: '/cached/' });
        assert.equal((await throttle.decide(who)).reason, 'ok');
        const before = db.count();
        assert.equal((await throttle.decide(who)).reason, 'ok');
        assert.equal(db.count(), before);
      });

      it('case 56 (port): a new rule applies at once here and within localCacheSeconds elsewhere', async () => {
        const { throttle, secondProcess, clock } = await setup();
        const other = secondProcess();
        const who = viewer({ userId: 'U', path: '/z/' });
        assert.equal((await throttle.decide(who)).reason, 'ok');
        assert.equal((await other.decide(who)).reason, 'ok');
        await throttle.createOverride({ applyTo: 'user', userId: 'U', action: 'block', scope: '/z/' });
        assert.equal((await throttle.decide(who)).reason, 'override-block');
        clock.advance(2);
        assert.equal((await other.decide(who)).reason, 'override-block');
        const rules = await throttle.listOverrides();
        await throttle.deleteOverride(rules.items[0]?.id ?? '');
        assert.equal((await throttle.decide(who)).reason, 'ok');
      });

      it('case 57 (port): "neither flag" cannot be stored; no matching rule resolves to none', async () => {
        const { throttle } = await setup();
        await assert.rejects(
          db.raw(`INSERT INTO ads_throttle_overrides (target, action) VALUES ('all', 'none')`),
          /check constraint/i,
        );
        await assert.rejects(db.raw(`INSERT INTO ads_throttle_overrides (target) VALUES ('all')`), /null/i);
        assert.equal((await throttle.decide(viewer())).reason, 'ok');
      });

      it('case 58: a rule for viewer id "anonymous" blocks cookie-less viewers; the admin refuses it', async () => {
        const { throttle } = await setup();
        const hash = createHasher(SECRET).viewerId('anonymous');
        await db.raw(
          `INSERT INTO ads_throttle_overrides (target, action, viewer_id_hash, viewer_label) VALUES ('viewer', 'block', $1, 'anonymous')`,
          [hash],
        );
        assert.equal(await throttle.shouldShowAds(viewer()), false);
        assert.equal(await throttle.shouldShowAds(viewer({ remoteAddress: '10.9.9.9' })), false);
        assert.equal(await throttle.shouldShowAds(viewer({ sessionId: 's1' })), true);
        await assert.rejects(
          throttle.createOverride({ applyTo: 'viewer', viewerId: 'anonymous', action: 'block' }),
          (error) => isAdsThrottleError(error, 'ADS_THROTTLE_VIEWER_ID_INVALID'),
        );
      });

      it('case 59: a cached block from a rule expiring at t0+10 is gone at t0+11', async () => {
        const { throttle, clock } = await setup({ overrideCacheSeconds: 60 });
        await throttle.createOverride({
          applyTo: 'all',
          action: 'block',
          expiresAt: new Date(clock.now() + 10_000),
        });
        assert.deepEqual(await throttle.decide(viewer()), {
          show: false,
          reason: 'override-block',
          scope: '/p/',
          retryAfterSeconds: 10,
        });
        clock.advance(11);
        assert.equal((await throttle.decide(viewer())).reason, 'ok');
      });

      it('a session rule matches by the keyed hash; the session key is never stored', async () => {
        const { throttle } = await setup();
        const rule = await throttle.createOverride({
          applyTo: 'viewer',
          viewerId: 'session:secret-key',
          action: 'block',
        });
        assert.equal(await throttle.shouldShowAds(viewer({ sessionId: 'secret-key' })), false);
        assert.equal(await throttle.shouldShowAds(viewer({ sessionId: 'other' })), true);
        assert.ok(!rule.viewerLabel.includes('secret-key'));
        const { rows } = (await db.raw(`SELECT row_to_json(o)::text AS j FROM ads_throttle_overrides o`)) as {
          rows: Array<{ j: string }>;
        };
        assert.ok(rows.every((row) => !row.j.includes('secret-key')));
      });
    });

    describe('failures and the circuit breaker (W24)', () => {
      it('a database outage fails open and opens the breaker after repeated failures', async () => {
        const { throttle, store, logger, clock } = await setup({
          breakerFailures: 3,
          breakerOpenSeconds: 10,
        });
        db.breakDown();
        for (let i = 0; i < 3; i += 1) {
          const decision = await throttle.decide(viewer());
          assert.deepEqual([decision.show, decision.errorCode], [true, 'ADS_THROTTLE_DATABASE_UNAVAILABLE']);
        }
        assert.equal(throttle.stats().breakerOpen, true);
        assert.ok(logger.at('warn').some((entry) => entry.msg?.includes('circuit breaker')));
        const calls = store.total();
        const queries = db.count();
        assert.equal((await throttle.decide(viewer())).reason, 'error');
        assert.equal(store.total(), calls);
        assert.equal(db.count(), queries);
        db.heal();
        clock.advance(10);
        assert.equal((await throttle.decide(viewer())).reason, 'ok');
        assert.equal(throttle.stats().breakerOpen, false);
      });

      it('works without a database: static settings, no overrides, no events', async () => {
        const { throttle, run } = await setup({ threshold: 1 }, { withDatabase: false });
        assert.deepEqual(await run(2), [true, false]);
        await assert.rejects(throttle.listEvents(), (error) =>
          isAdsThrottleError(error, 'ADS_THROTTLE_NO_DATABASE'),
        );
      });

      it('counts decisions by reason', async () => {
        const { throttle, run } = await setup({ threshold: 1 });
        await run(3);
        await throttle.shouldShowAds(undefined);
        const stats = throttle.stats();
        assert.deepEqual(
          [
            stats.decisions,
            stats.shown,
            stats.hidden,
            stats.reasons.ok,
            stats.reasons.threshold,
            stats.reasons.blocked,
          ],
          [4, 2, 2, 1, 1, 1],
        );
      });
    });

    it('uses the store key shapes of the original behind the prefix, the viewer pair as a hash tag', async () => {
      const { throttle, store, prefix } = await setup();
      await throttle.decide(viewer());
      const resolved = throttle.resolveViewer(viewer());
      const keys = storeKeys(prefix);
      assert.equal(
        keys.count(resolved.scopeHash, resolved.viewerHash),
        `${prefix}ads:views:{${resolved.scopeHash}:${resolved.viewerHash}}`,
      );
      assert.equal(
        keys.block(resolved.scopeHash, resolved.viewerHash),
        `${prefix}ads:block:{${resolved.scopeHash}:${resolved.viewerHash}}`,
      );
      const state = await store.inspect({
        countKey: keys.count(resolved.scopeHash, resolved.viewerHash),
        blockKey: keys.block(resolved.scopeHash, resolved.viewerHash),
      });
      assert.equal(state.count, 1);
    });
  });
}

for (const variant of storeVariants()) suite(variant);
