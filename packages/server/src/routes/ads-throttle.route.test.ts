import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createDeps, createLogger } from '@adnova/core/deps';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildTestApp, dropThrottleKeys, fakeClock, json, seed, testConfig } from '../../test/helper.ts';
import { buildApp } from '../app.ts';

type Stats = { impressions_count: number };

/** Threshold 3 per 10-minute window, then a 60-second block. */
const SMALL = {
  ADS_VIEW_REPEAT_THRESHOLD: '3',
  ADS_VIEW_REPEAT_WINDOW_SECONDS: '600',
  ADS_BLOCK_SECONDS: '60',
};

const THROTTLED = /^Ads are throttled for this viewer; retry in \d+ seconds\.$/;

const getAd = (
  app: FastifyInstance,
  clientId: string,
  extra: { scope?: string; headers?: InjectOptions['headers']; remoteAddress?: string } = {},
) =>
  app.inject({
    method: 'GET',
    url: '/ads',
    query: { client_id: clientId, ...(extra.scope ? { scope: extra.scope } : {}) },
    ...(extra.headers ? { headers: extra.headers } : {}),
    ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
  });

/** An advertiser with `campaigns` untargeted campaigns and one client, so every GET /ads can record. */
async function tenant(app: FastifyInstance, campaigns = 5) {
  const s = seed(app);
  const a = await s.advertiser();
  const ids: string[] = [];
  for (let i = 0; i < campaigns; i++) ids.push((await s.campaign(a.advertiser_id)).campaign_id);
  const client = await s.client();
  const impressions = async () => {
    let total = 0;
    for (const id of ids) {
      const res = await app.inject({ method: 'GET', url: `/stats/campaigns/${id}` });
      total += json<Stats>(res).impressions_count;
    }
    return total;
  };
  return { s, clientId: client.client_id, impressions };
}

const statuses = async (n: number, request: () => ReturnType<typeof getAd>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request()).statusCode);
  return out;
};

describe('issue 3: GET /ads consults the ads throttle', () => {
  describe('happy path', () => {
    test('under the threshold every request is served; one decision per request', async (t) => {
      const { app, deps } = await buildTestApp(t, SMALL);
      // Counters live where the cache lives: Redis when REDIS_URL is set, else in process.
      assert.equal(deps.throttle.store.kind, deps.config.cache.kind);
      const { clientId, impressions } = await tenant(app);
      const before = deps.throttle.stats().decisions;
      assert.deepEqual(await statuses(3, () => getAd(app, clientId)), [200, 200, 200]);
      assert.equal(deps.throttle.stats().decisions - before, 3);
      // An unseen campaign wins each time, so each served request recorded one impression.
      assert.equal(await impressions(), 3);
    });

    test('another client, scope or User-Agent has its own counter', async (t) => {
      const { app } = await buildTestApp(t, SMALL);
      const { s, clientId } = await tenant(app);
      const other = await s.client();
      assert.deepEqual(await statuses(4, () => getAd(app, clientId)), [200, 200, 200, 404]);
      assert.deepEqual(await statuses(3, () => getAd(app, other.client_id)), [200, 200, 200]);
      assert.deepEqual(
        await statuses(4, () => getAd(app, clientId, { scope: '/sidebar' })),
        [200, 200, 200, 404],
      );
      // The default scope is /ads, so naming it shares the first counter.
      assert.equal((await getAd(app, clientId, { scope: '/ads' })).statusCode, 404);
      assert.equal(
        (await getAd(app, clientId, { headers: { 'user-agent': 'another browser' } })).statusCode,
        200,
      );
    });

    test('ADS_THROTTLE_ENABLED=false: nothing is throttled and no decision is made', async (t) => {
      const { app, deps } = await buildTestApp(t, { ...SMALL, ADS_THROTTLE_ENABLED: 'false' });
      const { clientId } = await tenant(app);
      await deps.throttle.createOverride({ applyTo: 'user', action: 'block', userId: clientId, scope: '' });
      assert.ok((await statuses(6, () => getAd(app, clientId))).every((code) => code === 200));
      assert.equal(deps.throttle.stats().decisions, 0);
    });

    test('the block ends after ADS_BLOCK_SECONDS and counting starts afresh', async (t) => {
      const clock = fakeClock();
      const { app } = await buildTestApp(t, SMALL, { clock });
      const { clientId } = await tenant(app, 8);
      assert.deepEqual(await statuses(4, () => getAd(app, clientId)), [200, 200, 200, 404]);
      clock.advance(59_000);
      const still = await getAd(app, clientId);
      assert.equal(still.statusCode, 404);
      assert.equal(still.headers['retry-after'], '1');
      clock.advance(1_000);
      assert.deepEqual(await statuses(4, () => getAd(app, clientId)), [200, 200, 200, 404]);
    });

    test('admin force-show: a user is served over the threshold', async (t) => {
      const { app, deps } = await buildTestApp(t, SMALL);
      const { clientId } = await tenant(app, 8);
      await deps.throttle.createOverride({
        applyTo: 'user',
        action: 'show',
        userId: clientId,
        scope: '/ads',
      });
      assert.deepEqual(await statuses(6, () => getAd(app, clientId)), [200, 200, 200, 200, 200, 200]);
      // The rule names /ads only; another scope still counts.
      assert.deepEqual(
        await statuses(4, () => getAd(app, clientId, { scope: '/other' })),
        [200, 200, 200, 404],
      );
    });
  });

  describe('throttled', () => {
    test('the 4th request within the window: 404, throttled detail, Retry-After, no impression', async (t) => {
      const { app } = await buildTestApp(t, SMALL);
      const { clientId, impressions } = await tenant(app);
      assert.deepEqual(await statuses(3, () => getAd(app, clientId)), [200, 200, 200]);
      const res = await getAd(app, clientId);
      assert.equal(res.statusCode, 404);
      assert.match(json<{ detail: string }>(res).detail, THROTTLED);
      const retryAfter = String(res.headers['retry-after']);
      assert.match(retryAfter, /^[1-9]\d*$/);
      assert.ok(Number(retryAfter) <= 60);
      assert.equal(await impressions(), 3);
    });

    test('concurrent requests by one viewer: exactly the threshold is served', async (t) => {
      const { app, deps } = await buildTestApp(t, SMALL);
      const { clientId, impressions } = await tenant(app, 12);
      const before = deps.throttle.stats().decisions;
      const results = await Promise.all(Array.from({ length: 10 }, () => getAd(app, clientId)));
      assert.equal(results.filter((r) => r.statusCode === 200).length, 3);
      const refused = results.filter((r) => r.statusCode === 404);
      assert.equal(refused.length, 7);
      assert.ok(refused.every((r) => THROTTLED.test(json<{ detail: string }>(r).detail)));
      assert.equal(deps.throttle.stats().decisions - before, 10);
      // The three served requests raced for the same best campaign, so 1..3 impressions; the
      // seven refused ones added none.
      const recorded = await impressions();
      assert.ok(recorded >= 1 && recorded <= 3, `impressions: ${recorded}`);
    });

    test('admin force-block: a user gets nothing from the first request, without Retry-After', async (t) => {
      const { app, deps } = await buildTestApp(t, SMALL);
      const { s, clientId, impressions } = await tenant(app);
      await deps.throttle.createOverride({ applyTo: 'user', action: 'block', userId: clientId, scope: '' });
      const res = await getAd(app, clientId);
      assert.equal(res.statusCode, 404);
      assert.deepEqual(json(res), { detail: 'Ads are throttled for this viewer.' });
      assert.equal(res.headers['retry-after'], undefined);
      assert.equal(await impressions(), 0);
      assert.equal((await getAd(app, (await s.client()).client_id)).statusCode, 200);
    });

    test('an expiring force-block sends the seconds until it expires', async (t) => {
      const clock = fakeClock();
      const { app, deps } = await buildTestApp(t, SMALL, { clock });
      const { clientId } = await tenant(app);
      await deps.throttle.createOverride({
        applyTo: 'user',
        action: 'block',
        userId: clientId,
        scope: '/ads',
        expiresAt: new Date(clock.now() + 90_000),
      });
      const res = await getAd(app, clientId);
      assert.equal(res.statusCode, 404);
      assert.equal(res.headers['retry-after'], '90');
      clock.advance(90_000);
      assert.equal((await getAd(app, clientId)).statusCode, 200);
    });

    test('IP rules use the socket address; forwarding headers only from ADS_THROTTLE_TRUST_PROXY peers', async (t) => {
      const blockIp = (app: Awaited<ReturnType<typeof buildTestApp>>) =>
        app.deps.throttle.createOverride({ applyTo: 'ip', action: 'block', rawIp: '203.0.113.7', scope: '' });
      const forwarded = { 'x-forwarded-for': '203.0.113.7' };

      const direct = await buildTestApp(t, SMALL);
      await blockIp(direct);
      const { clientId } = await tenant(direct.app);
      assert.equal((await getAd(direct.app, clientId, { remoteAddress: '203.0.113.7' })).statusCode, 404);
      // 127.0.0.1 is not a trusted proxy by default, so its header is not believed.
      assert.equal((await getAd(direct.app, clientId, { headers: forwarded })).statusCode, 200);

      const proxied = await buildTestApp(t, { ...SMALL, ADS_THROTTLE_TRUST_PROXY: 'loopback' });
      await blockIp(proxied);
      const behindProxy = await tenant(proxied.app);
      assert.equal((await getAd(proxied.app, behindProxy.clientId, { headers: forwarded })).statusCode, 404);
      assert.equal((await getAd(proxied.app, behindProxy.clientId)).statusCode, 200);
    });
  });

  describe('errors', () => {
    test('an unknown client is still 404 Not Found while under the threshold', async (t) => {
      const { app } = await buildTestApp(t, SMALL);
      const res = await getAd(app, '0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11');
      assert.equal(res.statusCode, 404);
      assert.deepEqual(json(res), { detail: 'Not Found' });
    });

    test('scope: empty or over 200 characters → 400', async (t) => {
      const { app } = await buildTestApp(t, SMALL);
      const { clientId } = await tenant(app, 1);
      const empty = await app.inject({ method: 'GET', url: `/ads?client_id=${clientId}&scope=` });
      assert.equal(empty.statusCode, 400);
      assert.equal((await getAd(app, clientId, { scope: `/${'x'.repeat(200)}` })).statusCode, 400);
    });
  });

  describe('privacy', () => {
    test('no log line carries a raw client IP, even at debug level with a trusted proxy', async (t) => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      // An in-memory database keeps this test independent of the suite's backend choice.
      const config = testConfig({
        ...SMALL,
        DATABASE_URL: 'memory://',
        LOG_LEVEL: 'debug',
        ADS_THROTTLE_TRUST_PROXY: 'loopback',
      });
      const deps = await createDeps(config, { log: createLogger(config, sink) });
      const app = await buildApp(deps);
      t.after(async () => {
        await app.close();
        await deps.throttle.idle();
        await dropThrottleKeys(deps);
        await deps.close();
      });
      const { clientId } = await tenant(app, 1);
      await deps.throttle.createOverride({
        applyTo: 'ip',
        action: 'block',
        rawIp: '198.51.100.23',
        scope: '',
      });
      const direct = await getAd(app, clientId, { remoteAddress: '198.51.100.23' });
      const viaProxy = await getAd(app, clientId, { headers: { 'x-forwarded-for': '198.51.100.23' } });
      assert.equal(direct.statusCode, 404);
      assert.equal(viaProxy.statusCode, 404);
      assert.ok(lines.some((line) => line.includes('incoming request')));
      assert.deepEqual(
        lines.filter((line) => line.includes('198.51.100.23') || line.includes('127.0.0.1')),
        [],
      );
    });
  });
});
