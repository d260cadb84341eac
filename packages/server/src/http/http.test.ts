import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { buildTestApp, json, seed, useTestApp } from '../../test/helper.ts';

describe('HTTP conventions (spec §1, §6)', () => {
  const ctx = useTestApp({ HTTP_BODY_LIMIT_BYTES: String(64 * 1024) });

  test('unknown path → 404 JSON; known path with a wrong method → 405 JSON with Allow', async () => {
    const missing = await ctx.app.inject({ method: 'GET', url: '/no/such/path' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(json(missing), { detail: 'Not Found' });
    assert.match(String(missing.headers['content-type']), /application\/json/);
    const wrong = await ctx.app.inject({ method: 'DELETE', url: '/clients/bulk' });
    assert.equal(wrong.statusCode, 405);
    assert.deepEqual(json(wrong), { detail: 'Method Not Allowed' });
    assert.match(String(wrong.headers.allow), /POST/);
    const trailing = await ctx.app.inject({ method: 'GET', url: `/clients/${randomUUID()}/` });
    assert.equal(trailing.statusCode, 404);
  });

  test('malformed JSON, empty JSON body and wrong top-level type → 400', async () => {
    const headers = { 'content-type': 'application/json' };
    for (const payload of ['{', '', '{"a":1}', 'null', '"x"', '[1,2']) {
      const res = await ctx.app.inject({ method: 'POST', url: '/clients/bulk', headers, payload });
      assert.equal(res.statusCode, 400, `payload ${JSON.stringify(payload)}: ${res.body}`);
      assert.ok('detail' in json<object>(res));
    }
  });

  test('oversized body → 413 with the standard error body', async () => {
    const big = JSON.stringify([
      { client_id: randomUUID(), login: 'x'.repeat(70 * 1024), age: 1, location: 'a', gender: 'MALE' },
    ]);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/clients/bulk',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    assert.equal(res.statusCode, 413);
    assert.equal(typeof json<{ detail: unknown }>(res).detail, 'string');
  });

  test('Correlation-ID: a valid UUID is echoed, anything else replaced with a new id', async () => {
    const id = randomUUID();
    const echoed = await ctx.app.inject({
      method: 'GET',
      url: '/health?format=json',
      headers: { 'correlation-id': id },
    });
    assert.equal(echoed.headers['correlation-id'], id);
    const made = await ctx.app.inject({
      method: 'GET',
      url: '/nope',
      headers: { 'correlation-id': 'evil\nvalue' },
    });
    assert.match(String(made.headers['correlation-id']), /^[0-9a-f]{32}$/);
  });

  test('CORS: any origin allowed, custom headers exposed', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/clients/${randomUUID()}`,
      headers: { origin: 'https://publisher.example' },
    });
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-expose-headers']), /Correlation-ID/);
  });

  test('/health: JSON by query or Accept, HTML by default, every core component working', async () => {
    const byQuery = await ctx.app.inject({ method: 'GET', url: '/health?format=json' });
    assert.equal(byQuery.statusCode, 200);
    assert.deepEqual(json(byQuery), {
      database: 'working',
      migrations: 'working',
      cache: 'working',
      storage: 'working',
      queue: 'working',
      queue_workers: 'working',
      llm: 'working',
    });
    const byAccept = await ctx.app.inject({
      method: 'GET',
      url: '/health',
      headers: { accept: 'application/json' },
    });
    assert.deepEqual(json(byAccept), json(byQuery));
    const html = await ctx.app.inject({ method: 'GET', url: '/health', headers: { accept: 'text/html' } });
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.match(html.body, /<td>database<\/td><td class="ok">working<\/td>/);
  });

  test('/docs serves Swagger UI; the OpenAPI document lists every contract path, aliases deprecated', async () => {
    const ui = await ctx.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
    const doc = json<{
      info: { title: string };
      paths: Record<string, Record<string, { deprecated?: boolean }>>;
    }>(await ctx.app.inject({ method: 'GET', url: '/docs/openapi.json' }));
    assert.equal(doc.info.title, 'AdNova API');
    for (const path of [
      '/clients/bulk',
      '/clients/{clientId}',
      '/advertisers/bulk',
      '/advertisers/{advertiserId}',
      '/ml-scores',
      '/advertisers/{advertiserId}/campaigns',
      '/advertisers/{advertiserId}/campaigns/{campaignId}',
      '/ads',
      '/ads/{adId}/click',
      '/stats/campaigns/{campaignId}',
      '/stats/campaigns/{campaignId}/daily',
      '/stats/advertisers/{advertiserId}/campaigns',
      '/stats/advertisers/{advertiserId}/campaigns/daily',
      '/time/advance',
      '/health',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    assert.equal(doc.paths['/stats/advertisers/{advertiserId}']?.get?.deprecated, true);
    assert.equal(doc.paths['/stats/advertisers/{advertiserId}/daily']?.get?.deprecated, true);
    const alt = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.deepEqual(json(alt), doc);
  });

  test('no input of any shape produces a 500', async () => {
    const s = seed(ctx.app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id, { targeting: { location: 'Fuzz' } });
    const shapes: unknown[] = [
      null,
      true,
      0,
      -1,
      '{"current_date":1e400,"score":1e400,"client_id":1e400,"impressions_limit":1e400}',
      -0,
      'x',
      '',
      [],
      {},
      [null],
      [[]],
      [{}],
      { client_id: null },
      { client_id: 5 },
      { client_id: randomUUID(), score: 1e300 },
      { current_date: 1e20 },
      { current_date: -5 },
      { targeting: { gender: 'ALL', age_from: 1e9 } },
      { impressions_limit: 1e300 },
      { cost_per_click: 1e308 },
      { __proto__: { admin: true } },
      { constructor: { prototype: { x: 1 } } },
      'ÿ\u0000\ud800',
      Array.from({ length: 50 }, () => ({ advertiser_id: randomUUID(), name: 'n' })),
    ];
    const targets: [string, string][] = [
      ['POST', '/clients/bulk'],
      ['POST', '/advertisers/bulk'],
      ['POST', '/ml-scores'],
      ['POST', `/advertisers/${a.advertiser_id}/campaigns`],
      ['PUT', `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`],
      ['POST', `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}/ad_image`],
      ['POST', `/ads/${c.campaign_id}/click`],
      ['POST', '/time/advance'],
    ];
    for (const [method, url] of targets) {
      for (const shape of shapes) {
        const payload = typeof shape === 'string' ? shape : JSON.stringify(shape);
        const res = await ctx.app.inject({
          method: method as 'POST',
          url,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        assert.ok(
          res.statusCode < 500,
          `${method} ${url} ${payload.slice(0, 80)} → ${res.statusCode} ${res.body}`,
        );
      }
    }
    for (const url of [
      '/ads?client_id=',
      '/ads?client_id[]=1',
      '/ads?client_id=%00',
      `/advertisers/${a.advertiser_id}/campaigns?page=99999999999999999999`,
      `/advertisers/${a.advertiser_id}/campaigns?size=1e3`,
      '/clients/%E0%A4%A',
      '/stats/campaigns/..%2F..%2Fetc',
    ]) {
      const res = await ctx.app.inject({ method: 'GET', url });
      assert.ok(res.statusCode < 500, `GET ${url} → ${res.statusCode} ${res.body}`);
    }
  });
});

test('HTTP_TRUST_PROXY: the client address comes from X-Forwarded-For only from trusted proxies', async (t) => {
  // The throttle counts per client address: with threshold 1, a second ad for the same client
  // is refused unless the (trusted) forwarded address says it is another viewer.
  const env = { ADS_VIEW_REPEAT_THRESHOLD: '1', ADS_VIEW_REPEAT_WINDOW_SECONDS: '600' };
  const { app: direct } = await buildTestApp(t, env);
  const { app: proxied } = await buildTestApp(t, { ...env, HTTP_TRUST_PROXY: '127.0.0.1' });
  const second = async (app: typeof direct, remoteAddress: string) => {
    const s = seed(app);
    await s.campaign((await s.advertiser()).advertiser_id);
    const { client_id } = await s.client();
    const get = (forwarded: string) =>
      app.inject({
        method: 'GET',
        url: `/ads?client_id=${client_id}`,
        headers: { 'x-forwarded-for': forwarded, 'user-agent': 'test' },
        remoteAddress,
      });
    assert.equal((await get('203.0.113.1')).statusCode, 200);
    return (await get('203.0.113.2')).statusCode;
  };
  assert.equal(await second(direct, '127.0.0.1'), 404, 'forwarded addresses ignored: one viewer');
  assert.equal(await second(proxied, '127.0.0.1'), 200, 'trusted proxy: two viewers');
  assert.equal(await second(proxied, '198.51.100.7'), 404, 'an untrusted peer is not believed');
});
