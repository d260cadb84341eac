import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type CampaignBody, json, seed, useTestApp } from '../../test/helper.ts';

type Campaign = CampaignBody & {
  campaign_id: string;
  advertiser_id: string;
  targeting: Record<string, unknown>;
  ad_image: string | null;
};

const body = (overrides: Partial<CampaignBody> = {}): CampaignBody => ({
  impressions_limit: 100,
  clicks_limit: 10,
  cost_per_impression: 1.5,
  cost_per_click: 4.25,
  ad_title: 'Title',
  ad_text: 'Text',
  start_date: 0,
  end_date: 10,
  ...overrides,
});

/** Raw create and update calls (any payload, for error cases) against one app. */
function campaignCalls(app: () => FastifyInstance) {
  return {
    create: (advertiserId: string, payload: unknown) =>
      app().inject({
        method: 'POST',
        url: `/advertisers/${advertiserId}/campaigns`,
        payload: payload as object,
      }),
    put: (c: { advertiser_id: string; campaign_id: string }, payload: unknown) =>
      app().inject({
        method: 'PUT',
        url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
        payload: payload as object,
      }),
  };
}

describe('campaigns', () => {
  const ctx = useTestApp();
  const { create, put } = campaignCalls(() => ctx.app);

  describe('happy path', () => {
    test('create returns the full Campaign object with targeting always an object', async () => {
      const a = await seed(ctx.app).advertiser();
      const res = await create(a.advertiser_id, body());
      assert.equal(res.statusCode, 201);
      const c = json<Campaign>(res);
      assert.match(c.campaign_id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(c, {
        ...body(),
        campaign_id: c.campaign_id,
        advertiser_id: a.advertiser_id,
        targeting: { gender: null, age_from: null, age_to: null, location: null },
        ad_image: null,
      });
      const got = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.deepEqual(json(got), c);
    });

    test('targeting: partial object stored with nulls; ALL and null are distinct values', async () => {
      const a = await seed(ctx.app).advertiser();
      const res = await create(a.advertiser_id, body({ targeting: { gender: 'ALL', age_from: 18 } }));
      assert.deepEqual(json<Campaign>(res).targeting, {
        gender: 'ALL',
        age_from: 18,
        age_to: null,
        location: null,
      });
      const empty = await create(a.advertiser_id, body({ targeting: {} }));
      assert.deepEqual(json<Campaign>(empty).targeting, {
        gender: null,
        age_from: null,
        age_to: null,
        location: null,
      });
    });

    test('legal edge values: impressions_limit 0, one-day campaign, costs 0', async () => {
      const a = await seed(ctx.app).advertiser();
      const res = await create(
        a.advertiser_id,
        body({
          impressions_limit: 0,
          clicks_limit: 0,
          start_date: 3,
          end_date: 3,
          cost_per_click: 0,
          cost_per_impression: 0,
        }),
      );
      assert.equal(res.statusCode, 201, res.body);
    });

    test('list: end_date descending, newest first among equals, paging, X-Total-Count, clamped size', async () => {
      const a = await seed(ctx.app).advertiser();
      const ids: string[] = [];
      for (const end of [5, 9, 5, 7]) {
        ids.push(json<Campaign>(await create(a.advertiser_id, body({ end_date: end }))).campaign_id);
      }
      const list = await ctx.app.inject({ method: 'GET', url: `/advertisers/${a.advertiser_id}/campaigns` });
      assert.equal(list.statusCode, 200);
      assert.equal(list.headers['x-total-count'], '4');
      assert.deepEqual(
        json<Campaign[]>(list).map((c) => c.campaign_id),
        [ids[1], ids[3], ids[2], ids[0]],
      );
      const page2 = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${a.advertiser_id}/campaigns?size=3&page=2`,
      });
      assert.deepEqual(
        json<Campaign[]>(page2).map((c) => c.campaign_id),
        [ids[0]],
      );
      const past = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${a.advertiser_id}/campaigns?size=3&page=9`,
      });
      assert.deepEqual(json(past), []);
      const zero = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${a.advertiser_id}/campaigns?size=0`,
      });
      assert.deepEqual(json(zero), []);
      const huge = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${a.advertiser_id}/campaigns?size=5000`,
      });
      assert.equal(huge.statusCode, 200);
      assert.equal(json<Campaign[]>(huge).length, 4);
    });

    test('PUT merges: absent keeps, targeting null clears, object replaces whole', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, { targeting: { gender: 'MALE', location: 'Kazan' } });
      const r1 = await put(c, { ad_title: 'New title', cost_per_click: 0.3 });
      assert.equal(r1.statusCode, 200, r1.body);
      const u1 = json<Campaign>(r1);
      assert.equal(u1.ad_title, 'New title');
      assert.equal(u1.cost_per_click, 0.3);
      assert.equal(u1.ad_text, c.ad_text);
      assert.deepEqual(u1.targeting, { gender: 'MALE', age_from: null, age_to: null, location: 'Kazan' });
      const r2 = await put(c, { targeting: { age_to: 40 } });
      assert.deepEqual(json<Campaign>(r2).targeting, {
        gender: null,
        age_from: null,
        age_to: 40,
        location: null,
      });
      const r3 = await put(c, { targeting: null });
      assert.deepEqual(json<Campaign>(r3).targeting, {
        gender: null,
        age_from: null,
        age_to: null,
        location: null,
      });
    });

    test('before start every field may change; after start frozen fields only keep their value', async (t) => {
      // Moves the clock: its own app.
      const { app } = await buildTestApp(t);
      const { put } = campaignCalls(() => app);
      const s = seed(app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, { start_date: 5, end_date: 8 });
      const before = await put(c, { impressions_limit: 7, clicks_limit: 3, start_date: 6, end_date: 9 });
      assert.equal(before.statusCode, 200, before.body);
      await s.advance(6);
      for (const frozen of [
        { impressions_limit: 8 },
        { clicks_limit: 2 },
        { start_date: 7 },
        { end_date: 12 },
      ]) {
        const res = await put(c, frozen);
        assert.equal(res.statusCode, 403, JSON.stringify(frozen));
        assert.deepEqual(json(res), { detail: 'Forbidden' });
      }
      const same = await put(c, {
        impressions_limit: 7,
        clicks_limit: 3,
        start_date: 6,
        end_date: 9,
        ad_text: 'changed',
      });
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(json<Campaign>(same).ad_text, 'changed');
      const got = json<Campaign>(
        await app.inject({
          method: 'GET',
          url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
        }),
      );
      assert.equal(got.impressions_limit, 7);
    });

    test('DELETE is 204, then 404 everywhere', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id);
      const url = `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`;
      const del = await ctx.app.inject({ method: 'DELETE', url });
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      assert.equal((await ctx.app.inject({ method: 'GET', url })).statusCode, 404);
      assert.equal((await ctx.app.inject({ method: 'DELETE', url })).statusCode, 404);
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/stats/campaigns/${c.campaign_id}` })).statusCode,
        404,
      );
    });
  });

  describe('errors', () => {
    const invalid: [string, unknown][] = [
      ['clicks_limit > impressions_limit', body({ impressions_limit: 5, clicks_limit: 6 })],
      ['start_date > end_date', body({ start_date: 5, end_date: 4 })],
      ['negative limit', body({ impressions_limit: -1 })],
      ['fractional limit', body({ impressions_limit: 1.5 })],
      ['limit as string', { ...body(), impressions_limit: '10' }],
      ['negative cost', body({ cost_per_click: -0.01 })],
      ['cost as string', { ...body(), cost_per_click: '1' }],
      ['empty title', body({ ad_title: '' })],
      ['title too long', body({ ad_title: 'x'.repeat(10_001) })],
      ['missing ad_text', (({ ad_text, ...rest }) => rest)(body())],
      ['age_from > age_to', body({ targeting: { age_from: 40, age_to: 30 } })],
      ['age out of range', body({ targeting: { age_from: 101 } })],
      ['gender empty string', body({ targeting: { gender: '' } })],
      ['gender lowercase', body({ targeting: { gender: 'male' } })],
      ['empty location', body({ targeting: { location: '' } })],
      ['targeting is a string', { ...body(), targeting: 'all' }],
      ['targeting is an array', { ...body(), targeting: [] }],
      ['date above int32', body({ end_date: 2 ** 31 })],
      ['limit above 2^53-1', { ...body(), impressions_limit: 2 ** 53 }],
      ['body is an array', [body()]],
    ];
    for (const [name, payload] of invalid) {
      test(`400 for ${name}`, async () => {
        const a = await seed(ctx.app).advertiser();
        const res = await create(a.advertiser_id, payload);
        assert.equal(res.statusCode, 400, res.body);
      });
    }

    test('business-rule 400s carry the rule as a string detail', async () => {
      const a = await seed(ctx.app).advertiser();
      const res = await create(a.advertiser_id, body({ start_date: 5, end_date: 4 }));
      assert.deepEqual(json(res), { detail: "start_date can't be greater than end_date." });
    });

    test('start_date before the current day is 400 on create, and on update only if it changes', async (t) => {
      const { app } = await buildTestApp(t);
      const { create, put } = campaignCalls(() => app);
      const s = seed(app);
      const a = await s.advertiser();
      const c = await s.campaign(a.advertiser_id, { start_date: 50, end_date: 60 });
      const started = await s.campaign(a.advertiser_id, { start_date: 40, end_date: 60 });
      await s.advance(45);
      const res = await create(a.advertiser_id, body({ start_date: 44, end_date: 60 }));
      assert.equal(res.statusCode, 400);
      assert.deepEqual(json(res), { detail: 'start_date must be greater or equal than the current_date.' });
      assert.equal((await put(c, { start_date: 44 })).statusCode, 400);
      assert.equal((await put(c, { start_date: 45 })).statusCode, 200);
      // Started before today: keeping start_date is fine even though it is in the past.
      assert.equal((await put(started, { start_date: 40, ad_title: 'ok' })).statusCode, 200);
    });

    test('precedence: bad body beats unknown advertiser (400), unknown advertiser beats business rule (404)', async () => {
      const unknown = randomUUID();
      assert.equal((await create(unknown, { ...body(), impressions_limit: 'x' })).statusCode, 400);
      assert.equal((await create(unknown, body({ start_date: 5, end_date: 1 }))).statusCode, 404);
    });

    test('404 for a campaign of another advertiser (never 403), 400 for malformed ids', async () => {
      const s = seed(ctx.app);
      const owner = await s.advertiser();
      const stranger = await s.advertiser();
      const c = await s.campaign(owner.advertiser_id);
      const foreign = `/advertisers/${stranger.advertiser_id}/campaigns/${c.campaign_id}`;
      assert.equal((await ctx.app.inject({ method: 'GET', url: foreign })).statusCode, 404);
      assert.equal(
        (await ctx.app.inject({ method: 'PUT', url: foreign, payload: { ad_title: 'x' } })).statusCode,
        404,
      );
      assert.equal((await ctx.app.inject({ method: 'DELETE', url: foreign })).statusCode, 404);
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/advertisers/${owner.advertiser_id}/campaigns/nope` }))
          .statusCode,
        400,
      );
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/advertisers/${randomUUID()}/campaigns` })).statusCode,
        404,
      );
    });

    test('PUT: null scalar is 400, merged cross-field violation is 400, and nothing is written', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      // Not started yet, so the limits may change; a change that breaks clicks <= impressions is 400.
      const c = await s.campaign(a.advertiser_id, { impressions_limit: 10, clicks_limit: 5, start_date: 5 });
      assert.equal((await put(c, { ad_title: null })).statusCode, 400);
      assert.equal((await put(c, { impressions_limit: 4, ad_title: 'changed' })).statusCode, 400);
      const got = json<Campaign>(
        await ctx.app.inject({
          method: 'GET',
          url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
        }),
      );
      assert.equal(got.ad_title, 'Title');
      assert.equal(got.impressions_limit, 10);
    });

    test('paging parameters: page 0, negative size, non-integers → 400', async () => {
      const a = await seed(ctx.app).advertiser();
      for (const q of ['page=0', 'page=-1', 'size=-1', 'page=1.5', 'size=abc']) {
        const res = await ctx.app.inject({
          method: 'GET',
          url: `/advertisers/${a.advertiser_id}/campaigns?${q}`,
        });
        assert.equal(res.statusCode, 400, q);
      }
    });

    test('issue 12: the largest page and size answer at once (offset ~2^41 fits OFFSET; size clamped)', async () => {
      const a = await seed(ctx.app).advertiser();
      await create(a.advertiser_id, body());
      const list = (q: string) =>
        ctx.app.inject({ method: 'GET', url: `/advertisers/${a.advertiser_id}/campaigns?${q}` });
      for (const q of ['page=2147483647&size=1000', 'page=2147483647&size=2147483647', 'page=2147483647']) {
        const res = await list(q);
        assert.equal(res.statusCode, 200, `${q}: ${res.body}`);
        assert.deepEqual(json(res), [], q);
        assert.equal(res.headers['x-total-count'], '1', q);
      }
      const all = await list('size=2147483647');
      assert.equal(json<Campaign[]>(all).length, 1);
      for (const q of ['page=2147483648', 'size=2147483648', 'page=1e400']) {
        assert.equal((await list(q)).statusCode, 400, q);
      }
    });
  });
});
