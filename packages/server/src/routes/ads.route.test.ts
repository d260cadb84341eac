import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Ad } from '@adnova/core/ads/ads.schema';
import {
  buildTestApp,
  click,
  getAd,
  json,
  needsPostgres,
  seed,
  startTwoAppsOnOneDatabase,
  useTestApp,
} from '../../test/helper.ts';

type Stats = {
  impressions_count: number;
  clicks_count: number;
  spent_impressions: number;
  spent_clicks: number;
};

describe('GET /ads and POST /ads/{adId}/click', () => {
  // Tests sharing this app isolate themselves with a unique targeted location each; tests that
  // need untargeted campaigns or move the clock build their own app.
  const ctx = useTestApp();
  const stats = async (campaignId: string) =>
    json<Stats>(await ctx.app.inject({ method: 'GET', url: `/stats/campaigns/${campaignId}` }));

  describe('happy path', () => {
    test('serves an eligible ad with the contract fields and records one impression', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, {
        ad_title: 'Buy',
        ad_text: 'Now',
        targeting: { location },
      });
      const client = await s.client({ location });
      const res = await getAd(ctx.app, client.client_id);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(json(res), {
        ad_id: c.campaign_id,
        ad_title: 'Buy',
        ad_text: 'Now',
        advertiser_id: a.advertiser_id,
        ad_image: null,
      });
      assert.equal((await stats(c.campaign_id)).impressions_count, 1);
      // Serving it again records nothing new.
      assert.equal(json<Ad>(await getAd(ctx.app, client.client_id)).ad_id, c.campaign_id);
      assert.equal((await stats(c.campaign_id)).impressions_count, 1);
    });

    test('targeting: gender, inclusive age bounds, exact case-sensitive location', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      const male = await s.campaign(a.advertiser_id, { targeting: { gender: 'MALE' } });
      const ages = await s.campaign(a.advertiser_id, { targeting: { age_from: 18, age_to: 25 } });
      const kazan = await s.campaign(a.advertiser_id, { targeting: { location: 'Kazan' } });
      const eligible = async (client: Awaited<ReturnType<typeof s.client>>) => {
        const served = new Set<string>();
        for (let i = 0; i < 5; i++) {
          const res = await getAd(app, client.client_id);
          if (res.statusCode === 200) served.add(json<Ad>(res).ad_id);
        }
        return served;
      };
      // One campaign at a time is best for each client; the set of possible ones is what matters,
      // so check each client against every campaign's rule through what it can ever be served.
      const womanKazan18 = await s.client({ gender: 'FEMALE', age: 18, location: 'Kazan' });
      const man26Moscow = await s.client({ gender: 'MALE', age: 26, location: 'Moscow' });
      const woman25kazanLower = await s.client({ gender: 'FEMALE', age: 25, location: 'kazan' });
      const w = await eligible(womanKazan18);
      assert.ok(!w.has(male.campaign_id));
      const m = await eligible(man26Moscow);
      assert.deepEqual([...m], [male.campaign_id]);
      const lower = await eligible(woman25kazanLower);
      assert.deepEqual([...lower], [ages.campaign_id]);
      assert.ok([...w].every((id) => id === ages.campaign_id || id === kazan.campaign_id));
    });

    test('only campaigns active today (inclusive bounds) are served', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, { start_date: 2, end_date: 3 });
      const client = await s.client();
      assert.equal((await getAd(app, client.client_id)).statusCode, 404);
      await s.advance(2);
      assert.equal(json<Ad>(await getAd(app, (await s.client()).client_id)).ad_id, c.campaign_id);
      await s.advance(3);
      assert.equal(json<Ad>(await getAd(app, (await s.client()).client_id)).ad_id, c.campaign_id);
      await s.advance(4);
      assert.equal((await getAd(app, (await s.client()).client_id)).statusCode, 404);
    });

    test('prefers the campaign that pays more when relevance and capacity are equal', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      await s.campaign(a.advertiser_id, { cost_per_impression: 1, cost_per_click: 1 });
      const rich = await s.campaign(a.advertiser_id, { cost_per_impression: 2, cost_per_click: 2 });
      assert.equal(json<Ad>(await getAd(app, (await s.client()).client_id)).ad_id, rich.campaign_id);
    });

    test('ties in revenue are broken by ML score', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const low = await s.advertiser();
      const high = await s.advertiser();
      await s.campaign(low.advertiser_id, { cost_per_impression: 3, cost_per_click: 0 });
      const best = await s.campaign(high.advertiser_id, { cost_per_impression: 3, cost_per_click: 0 });
      const client = await s.client();
      await s.score(client.client_id, low.advertiser_id, 10);
      await s.score(client.client_id, high.advertiser_id, 9000);
      assert.equal(json<Ad>(await getAd(app, client.client_id)).ad_id, best.campaign_id);
    });

    test('a higher ML score raises expected click revenue and wins over a slightly higher CPI', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      const b = await s.advertiser();
      await s.campaign(a.advertiser_id, { cost_per_impression: 1.01, cost_per_click: 10 });
      const relevant = await s.campaign(b.advertiser_id, { cost_per_impression: 1, cost_per_click: 10 });
      const client = await s.client();
      await s.score(client.client_id, b.advertiser_id, 10_000);
      assert.equal(json<Ad>(await getAd(app, client.client_id)).ad_id, relevant.campaign_id);
    });

    test('an unseen ad beats one already seen (it still earns the impression)', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      const first = await s.campaign(a.advertiser_id, { cost_per_impression: 5, cost_per_click: 0 });
      const second = await s.campaign(a.advertiser_id, { cost_per_impression: 1, cost_per_click: 0 });
      const client = await s.client();
      assert.equal(json<Ad>(await getAd(app, client.client_id)).ad_id, first.campaign_id);
      assert.equal(json<Ad>(await getAd(app, client.client_id)).ad_id, second.campaign_id);
    });

    test('click: 204, recorded once at the price at click time; repeated click changes nothing', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, { cost_per_click: 0.7, targeting: { location } });
      const client = await s.client({ location });
      assert.equal(json<Ad>(await getAd(ctx.app, client.client_id)).ad_id, c.campaign_id);
      await ctx.app.inject({
        method: 'PUT',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
        payload: { cost_per_click: 0.9 },
      });
      const first = await click(ctx.app, c.campaign_id, client.client_id);
      assert.equal(first.statusCode, 204);
      assert.equal(first.body, '');
      assert.equal((await click(ctx.app, c.campaign_id, client.client_id)).statusCode, 204);
      const st = await stats(c.campaign_id);
      assert.equal(st.clicks_count, 1);
      assert.equal(st.spent_clicks, 0.9);
    });
  });

  describe('limits', () => {
    test('impressions_limit: each client at most once, never more clients than the limit', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, {
        impressions_limit: 2,
        clicks_limit: 2,
        targeting: { location: `L-${randomUUID()}` },
      });
      const clients = await Promise.all(
        Array.from({ length: 4 }, () => s.client({ location: c.targeting?.location as string })),
      );
      const statuses = [];
      for (const cl of clients) statuses.push((await getAd(ctx.app, cl.client_id)).statusCode);
      assert.deepEqual(statuses, [200, 200, 404, 404]);
      // Those who saw it can still be served it again.
      assert.equal((await getAd(ctx.app, clients[0]?.client_id ?? '')).statusCode, 200);
      assert.equal((await stats(c.campaign_id)).impressions_count, 2);
    });

    test('impressions_limit 0: never served', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      await s.campaign(a.advertiser_id, { impressions_limit: 0, clicks_limit: 0, targeting: { location } });
      assert.equal((await getAd(ctx.app, (await s.client({ location })).client_id)).statusCode, 404);
    });

    test('clicks_limit reached: served to nobody, not even clients who saw it; their clicks are still accepted', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, {
        impressions_limit: 10,
        clicks_limit: 1,
        targeting: { location },
      });
      const x = await s.client({ location });
      const y = await s.client({ location });
      assert.equal((await getAd(ctx.app, x.client_id)).statusCode, 200);
      assert.equal((await getAd(ctx.app, y.client_id)).statusCode, 200);
      assert.equal((await click(ctx.app, c.campaign_id, x.client_id)).statusCode, 204);
      assert.equal((await getAd(ctx.app, (await s.client({ location })).client_id)).statusCode, 404);
      assert.equal((await getAd(ctx.app, y.client_id)).statusCode, 404);
      assert.equal((await click(ctx.app, c.campaign_id, y.client_id)).statusCode, 204);
      assert.equal((await stats(c.campaign_id)).clicks_count, 2);
    });

    test('issue 2: 50 concurrent GET /ads on impressions_limit 5 serve it at most 5 times', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, {
        impressions_limit: 5,
        clicks_limit: 5,
        targeting: { location },
      });
      const clients = await Promise.all(Array.from({ length: 50 }, () => s.client({ location })));
      const results = await Promise.all(clients.map((cl) => getAd(ctx.app, cl.client_id)));
      const served = results.filter((r) => r.statusCode === 200);
      assert.equal(served.length, 5);
      assert.ok(results.every((r) => r.statusCode === 200 || r.statusCode === 404));
      assert.equal((await stats(c.campaign_id)).impressions_count, 5);
    });

    test('the same client racing itself gets the ad every time and exactly one impression', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, {
        impressions_limit: 3,
        clicks_limit: 3,
        targeting: { location },
      });
      const client = await s.client({ location });
      const results = await Promise.all(Array.from({ length: 20 }, () => getAd(ctx.app, client.client_id)));
      assert.ok(results.every((r) => r.statusCode === 200));
      assert.equal((await stats(c.campaign_id)).impressions_count, 1);
      const clicks = await Promise.all(
        Array.from({ length: 20 }, () => click(ctx.app, c.campaign_id, client.client_id)),
      );
      assert.ok(clicks.every((r) => r.statusCode === 204));
      assert.equal((await stats(c.campaign_id)).clicks_count, 1);
    });

    test('served-then-clicked one at a time, clicks never exceed clicks_limit', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, {
        impressions_limit: 20,
        clicks_limit: 3,
        targeting: { location },
      });
      for (let i = 0; i < 10; i++) {
        const cl = await s.client({ location });
        const res = await getAd(ctx.app, cl.client_id);
        if (res.statusCode === 200) await click(ctx.app, json<Ad>(res).ad_id, cl.client_id);
      }
      const st = await stats(c.campaign_id);
      assert.equal(st.clicks_count, 3);
      assert.equal(st.impressions_count, 3);
    });
  });

  describe('catalog freshness', () => {
    test('campaign edits, new campaigns and deletions apply to the very next request', async (t) => {
      const { app } = await buildTestApp(t);
      const s = seed(app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, { targeting: { location: 'A' } });
      const client = await s.client({ location: 'B' });
      assert.equal((await getAd(app, client.client_id)).statusCode, 404);
      await app.inject({
        method: 'PUT',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
        payload: { targeting: { location: 'B' }, ad_title: 'Moved' },
      });
      const served = json<Ad>(await getAd(app, client.client_id));
      assert.deepEqual([served.ad_id, served.ad_title], [c.campaign_id, 'Moved']);
      const better = await s.campaign(a.advertiser_id, {
        cost_per_impression: 50,
        targeting: { location: 'B' },
      });
      assert.equal(json<Ad>(await getAd(app, client.client_id)).ad_id, better.campaign_id);
      await app.inject({
        method: 'DELETE',
        url: `/advertisers/${a.advertiser_id}/campaigns/${better.campaign_id}`,
      });
      await app.inject({
        method: 'DELETE',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.equal((await getAd(app, client.client_id)).statusCode, 404);
    });

    test('a campaign changed through another process is served from the next request on', {
      skip: needsPostgres,
    }, async (t) => {
      const [one, two] = await startTwoAppsOnOneDatabase(t);
      const s1 = seed(one.app);
      const a = await s1.advertiser();
      const c = await s1.campaign(a.advertiser_id, { targeting: { location: 'A' } });
      const client = await s1.client({ location: 'B' });
      assert.equal((await getAd(two.app, client.client_id)).statusCode, 404);
      await one.app.inject({
        method: 'PUT',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
        payload: { targeting: { location: 'B' } },
      });
      assert.equal(json<Ad>(await getAd(two.app, client.client_id)).ad_id, c.campaign_id);
    });
  });

  describe('errors', () => {
    test('GET /ads: missing or malformed client_id → 400; unknown client → 404', async () => {
      assert.equal((await ctx.app.inject({ method: 'GET', url: '/ads' })).statusCode, 400);
      assert.equal((await ctx.app.inject({ method: 'GET', url: '/ads?client_id=abc' })).statusCode, 400);
      const unknown = await getAd(ctx.app, randomUUID());
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(json(unknown), { detail: 'Not Found' });
    });

    test('click: unknown campaign 404 (checked first), unknown client 404, never shown 403, bad ids 400', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, { targeting: { location } });
      const client = await s.client({ location });
      assert.equal((await click(ctx.app, randomUUID(), 'not-a-uuid')).statusCode, 400);
      assert.equal((await click(ctx.app, randomUUID(), client.client_id)).statusCode, 404);
      assert.equal((await click(ctx.app, c.campaign_id, randomUUID())).statusCode, 404);
      const never = await click(ctx.app, c.campaign_id, client.client_id);
      assert.equal(never.statusCode, 403);
      assert.deepEqual(json(never), { detail: 'Forbidden' });
      assert.equal((await click(ctx.app, 'xyz', client.client_id)).statusCode, 400);
      assert.equal(
        (await ctx.app.inject({ method: 'POST', url: `/ads/${c.campaign_id}/click`, payload: {} }))
          .statusCode,
        400,
      );
    });

    test('a deleted campaign is never served again and its clicks are 404', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const location = `L-${randomUUID()}`;
      const c = await s.campaign(a.advertiser_id, { targeting: { location } });
      const client = await s.client({ location });
      assert.equal((await getAd(ctx.app, client.client_id)).statusCode, 200);
      await ctx.app.inject({
        method: 'DELETE',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.equal((await getAd(ctx.app, client.client_id)).statusCode, 404);
      assert.equal((await click(ctx.app, c.campaign_id, client.client_id)).statusCode, 404);
    });
  });
});
