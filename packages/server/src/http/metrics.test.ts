import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, getAd, seed } from '../../test/helper.ts';

/** The value of one sample line of the exposition, 0 when absent. */
async function sample(
  app: FastifyInstance,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of res.body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test('GET /metrics exposes the Prometheus text format with process metrics', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^# HELP process_cpu_user_seconds_total /m);
  assert.match(res.body, /^# TYPE adnova_ad_requests_total counter$/m);
});

test('GET /ads outcomes are counted: served, no fill, unknown client, throttled', async (t) => {
  const { app } = await buildTestApp(t, {
    ADS_VIEW_REPEAT_THRESHOLD: '2',
    ADS_VIEW_REPEAT_WINDOW_SECONDS: '600',
    ADS_BLOCK_SECONDS: '60',
  });
  const s = seed(app);
  const advertiser = await s.advertiser();
  await s.campaign(advertiser.advertiser_id, { impressions_limit: 1, clicks_limit: 1 });
  const [first, second] = [await s.client(), await s.client()];

  assert.equal((await getAd(app, first.client_id)).statusCode, 200);
  assert.equal((await getAd(app, second.client_id)).statusCode, 404, 'the only campaign is full');
  assert.equal((await getAd(app, randomUUID())).statusCode, 404);
  // The third showing to one viewer within the window is refused by the throttle.
  assert.equal((await getAd(app, first.client_id)).statusCode, 200);
  assert.equal((await getAd(app, first.client_id)).statusCode, 404);

  assert.equal(await sample(app, 'adnova_ad_requests_total', { outcome: 'served' }), 2);
  assert.equal(await sample(app, 'adnova_ad_requests_total', { outcome: 'no_fill' }), 1);
  assert.equal(await sample(app, 'adnova_ad_requests_total', { outcome: 'unknown_client' }), 1);
  assert.equal(await sample(app, 'adnova_ad_requests_total', { outcome: 'throttled' }), 1);
  assert.equal(await sample(app, 'adnova_impression_records_total', { outcome: 'recorded' }), 1);
  // One statement per request here: a recorded impression, the same ad again, and no fill.
  assert.equal(await sample(app, 'adnova_serve_statements_total', { outcome: 'served' }), 2);
  assert.equal(await sample(app, 'adnova_serve_statements_total', { outcome: 'none' }), 1);
  // Requests one after another: each a group of its own.
  assert.equal(await sample(app, 'adnova_serve_group_requests_count'), 3);
  assert.equal(await sample(app, 'adnova_serve_group_requests_sum'), 3);
  assert.equal(
    await sample(app, 'adnova_ad_selection_seconds_count'),
    4,
    'throttled requests select nothing',
  );
});

test('request durations are labelled by route template and status, never by raw URL', async (t) => {
  const { app } = await buildTestApp(t);
  const id = randomUUID();
  assert.equal((await app.inject({ method: 'GET', url: `/clients/${id}` })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/no/such/route' })).statusCode, 404);
  const labels = { method: 'GET', route: '/clients/:clientId', status_code: '404' };
  assert.equal(await sample(app, 'http_request_duration_seconds_count', labels), 1);
  assert.equal(await sample(app, 'http_request_duration_seconds_count', { route: '(unmatched)' }), 1);
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.ok(!body.includes(id), 'no id in any label');
});
