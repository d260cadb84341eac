import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { buildTestApp, click, getAd, json, seed, useTestApp } from '../../test/helper.ts';

type Stats = {
  impressions_count: number;
  clicks_count: number;
  conversion: number;
  spent_impressions: number;
  spent_clicks: number;
  spent_total: number;
};
type Daily = Stats & { date: number };

const zero = {
  impressions_count: 0,
  clicks_count: 0,
  conversion: 0,
  spent_impressions: 0,
  spent_clicks: 0,
  spent_total: 0,
};

test('money is exact: 0.1 + 0.2 is 0.3, totals add the exact parts', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  const location = 'Exact';
  const c = await s.campaign(a.advertiser_id, {
    cost_per_impression: 0.1,
    cost_per_click: 0.2,
    targeting: { location },
  });
  for (let i = 0; i < 3; i++) {
    const client = await s.client({ location });
    await getAd(app, client.client_id);
    if (i < 1) await click(app, c.campaign_id, client.client_id);
  }
  const st = json<Stats>(await app.inject({ method: 'GET', url: `/stats/campaigns/${c.campaign_id}` }));
  assert.deepEqual(st, {
    impressions_count: 3,
    clicks_count: 1,
    conversion: 33.33,
    spent_impressions: 0.3,
    spent_clicks: 0.2,
    spent_total: 0.5,
  });
});

test('conversion rounds half-up to 2 decimals; money to 9 decimals', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  // 1 click of 8 impressions = 12.5 %; prices with more than 9 decimals round half-up.
  const c = await s.campaign(a.advertiser_id, {
    cost_per_impression: 0.0000000015,
    cost_per_click: 1.0000000005,
  });
  const clients = [];
  for (let i = 0; i < 8; i++) {
    const client = await s.client();
    clients.push(client);
    assert.equal((await getAd(app, client.client_id)).statusCode, 200);
  }
  await click(app, c.campaign_id, clients[0]?.client_id ?? '');
  const st = json<Stats>(await app.inject({ method: 'GET', url: `/stats/campaigns/${c.campaign_id}` }));
  assert.equal(st.conversion, 12.5);
  assert.equal(st.spent_impressions, 0.000000012); // 8 × 1.5e-9 = 1.2e-8 exactly
  assert.equal(st.spent_clicks, 1.000000001); // 1.0000000005 rounds half-up
  assert.equal(st.spent_total, 1.000000013); // 1.0000000125 rounds half-up
});

test('conversion 2 of 3 is 66.67 (half-up on the third decimal)', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  const c = await s.campaign(a.advertiser_id);
  const clients = [await s.client(), await s.client(), await s.client()];
  for (const cl of clients) await getAd(app, cl.client_id);
  await click(app, c.campaign_id, clients[0]?.client_id ?? '');
  await click(app, c.campaign_id, clients[1]?.client_id ?? '');
  const st = json<Stats>(await app.inject({ method: 'GET', url: `/stats/campaigns/${c.campaign_id}` }));
  assert.equal(st.conversion, 66.67);
});

test('daily series: campaign range, advertiser 0..today, zero-filled, prices kept at event time, aliases', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  const other = await s.advertiser();
  const c = await s.campaign(a.advertiser_id, {
    start_date: 1,
    end_date: 3,
    cost_per_impression: 2,
    cost_per_click: 3,
    targeting: { location: 'Here' },
  });
  const future = await s.campaign(a.advertiser_id, {
    start_date: 9,
    end_date: 12,
    targeting: { location: 'Nowhere' },
  });
  const foreign = await s.campaign(other.advertiser_id, {
    start_date: 1,
    end_date: 3,
    targeting: { location: 'There' },
  });

  const campaignDaily = async (id: string) =>
    json<Daily[]>(await app.inject({ method: 'GET', url: `/stats/campaigns/${id}/daily` }));
  assert.deepEqual(await campaignDaily(c.campaign_id), []);

  await s.advance(1);
  const x = await s.client({ location: 'Here' });
  const y = await s.client({ location: 'There' });
  assert.equal(json<{ ad_id: string }>(await getAd(app, x.client_id)).ad_id, c.campaign_id);
  assert.equal(json<{ ad_id: string }>(await getAd(app, y.client_id)).ad_id, foreign.campaign_id);
  await s.advance(2);
  await app.inject({
    method: 'PUT',
    url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}`,
    payload: { cost_per_click: 5 },
  });
  // The click lands on the day it happens, at the price of that moment.
  await click(app, c.campaign_id, x.client_id);
  await s.advance(5);

  const daily = await campaignDaily(c.campaign_id);
  assert.deepEqual(
    daily.map((d) => d.date),
    [1, 2, 3],
  );
  assert.deepEqual(daily[0], {
    ...zero,
    date: 1,
    impressions_count: 1,
    spent_impressions: 2,
    spent_total: 2,
  });
  assert.deepEqual(daily[1], { ...zero, date: 2, clicks_count: 1, spent_clicks: 5, spent_total: 5 });
  assert.deepEqual(daily[2], { ...zero, date: 3 });
  assert.deepEqual(await campaignDaily(future.campaign_id), []);

  const adv = json<Daily[]>(
    await app.inject({ method: 'GET', url: `/stats/advertisers/${a.advertiser_id}/campaigns/daily` }),
  );
  assert.deepEqual(
    adv.map((d) => d.date),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(adv[1], daily[0]);
  assert.deepEqual(adv[2], daily[1]);
  assert.deepEqual(adv[4], { ...zero, date: 4 });
  const alias = await app.inject({ method: 'GET', url: `/stats/advertisers/${a.advertiser_id}/daily` });
  assert.deepEqual(json(alias), adv);

  const totals = json<Stats>(
    await app.inject({ method: 'GET', url: `/stats/advertisers/${a.advertiser_id}/campaigns` }),
  );
  const totalsAlias = json<Stats>(
    await app.inject({ method: 'GET', url: `/stats/advertisers/${a.advertiser_id}` }),
  );
  assert.deepEqual(totals, totalsAlias);
  assert.deepEqual(totals, {
    impressions_count: 1,
    clicks_count: 1,
    conversion: 100,
    spent_impressions: 2,
    spent_clicks: 5,
    spent_total: 7,
  });
});

test('campaign daily range follows events past end_date but never past today', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  const c = await s.campaign(a.advertiser_id, { start_date: 0, end_date: 1 });
  const x = await s.client();
  await getAd(app, x.client_id);
  await s.advance(4);
  await click(app, c.campaign_id, x.client_id); // a click after the campaign ended (accepted)
  await s.advance(6);
  const daily = json<Daily[]>(
    await app.inject({ method: 'GET', url: `/stats/campaigns/${c.campaign_id}/daily` }),
  );
  assert.deepEqual(
    daily.map((d) => d.date),
    [0, 1, 2, 3, 4],
  );
  assert.equal(daily[4]?.clicks_count, 1);
});

test('advertiser totals: all zeros without campaigns; deleted campaigns drop out; 404 and 400', async (t) => {
  const { app } = await buildTestApp(t);
  const s = seed(app);
  const a = await s.advertiser();
  const url = `/stats/advertisers/${a.advertiser_id}/campaigns`;
  assert.deepEqual(json(await app.inject({ method: 'GET', url })), zero);
  const c = await s.campaign(a.advertiser_id);
  await getAd(app, (await s.client()).client_id);
  assert.equal(json<Stats>(await app.inject({ method: 'GET', url })).impressions_count, 1);
  await app.inject({ method: 'DELETE', url: `/advertisers/${a.advertiser_id}/campaigns/${c.campaign_id}` });
  assert.deepEqual(json(await app.inject({ method: 'GET', url })), zero);
  assert.equal(
    (await app.inject({ method: 'GET', url: `/stats/advertisers/${randomUUID()}/campaigns` })).statusCode,
    404,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: '/stats/advertisers/nope/campaigns' })).statusCode,
    400,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: `/stats/campaigns/${randomUUID()}/daily` })).statusCode,
    404,
  );
});

describe('issue 12: daily series are bounded (spec §8 #37)', () => {
  const ctx = useTestApp();
  const MAX_DAY = 2_147_483_647;
  const get = (url: string) => ctx.app.inject({ method: 'GET', url });

  test('at current_date 2^31 − 1 both daily series answer the last 3660 days, fast, with X-Total-Count', {
    timeout: 60_000,
  }, async () => {
    // The clock is global: this suite's app has its own database, so advancing it affects only it.
    const s = seed(ctx.app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id, {
      start_date: 0,
      end_date: MAX_DAY,
      targeting: { location: 'Far future' },
    });
    await s.advance(MAX_DAY);
    const x = await s.client({ location: 'Far future' });
    assert.equal(json<{ ad_id: string }>(await getAd(ctx.app, x.client_id)).ad_id, c.campaign_id);

    for (const url of [
      `/stats/advertisers/${a.advertiser_id}/campaigns/daily`,
      `/stats/advertisers/${a.advertiser_id}/daily`,
      `/stats/campaigns/${c.campaign_id}/daily`,
    ]) {
      const started = performance.now();
      const res = await get(url);
      const elapsed = performance.now() - started;
      assert.equal(res.statusCode, 200, url);
      const days = json<Daily[]>(res);
      assert.equal(days.length, 3660, url);
      assert.equal(days[0]?.date, MAX_DAY - 3659, url);
      assert.deepEqual(days.at(-1), {
        ...zero,
        date: MAX_DAY,
        impressions_count: 1,
        spent_impressions: 1,
        spent_total: 1,
      });
      assert.equal(res.headers['x-total-count'], String(MAX_DAY + 1), url);
      assert.ok(res.body.length < 1_000_000, `${url}: ${res.body.length} bytes`);
      // Unbounded, this took minutes and gigabytes; bounded, well under a second on PGlite.
      assert.ok(elapsed < 10_000, `${url} took ${Math.round(elapsed)} ms`);
    }
  });

  test('from_day/to_day pick a window, intersected with the range; X-Total-Count only when cut', async (t) => {
    const { app } = await buildTestApp(t);
    const get = (url: string) => app.inject({ method: 'GET', url });
    const s = seed(app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id, { start_date: 0, end_date: 0 });
    const long = await s.campaign(a.advertiser_id, { start_date: 7, end_date: 5006 });
    await s.advance(MAX_DAY);
    const today = MAX_DAY;
    const adv = `/stats/advertisers/${a.advertiser_id}/campaigns/daily`;
    const dates = async (url: string) => {
      const res = await get(url);
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return { dates: json<Daily[]>(res).map((d) => d.date), total: res.headers['x-total-count'] };
    };
    // The campaign's range is its one day 0: windows are cut to it.
    const campaign = `/stats/campaigns/${c.campaign_id}/daily`;
    assert.deepEqual(await dates(campaign), { dates: [0], total: undefined });
    assert.deepEqual(await dates(`${campaign}?from_day=0&to_day=5`), { dates: [0], total: undefined });
    assert.deepEqual(await dates(`${campaign}?from_day=1&to_day=5`), { dates: [], total: '1' });
    assert.deepEqual(await dates(`${campaign}?to_day=0`), { dates: [0], total: undefined });
    // A campaign of 5000 days that ended: its last 3660 days by default, or any window in it.
    const ended = `/stats/campaigns/${long.campaign_id}/daily`;
    const last = await dates(ended);
    assert.equal(last.dates.length, 3660);
    assert.equal(last.dates[0], 5006 - 3659);
    assert.equal(last.dates.at(-1), 5006);
    assert.equal(last.total, '5000');
    assert.deepEqual(await dates(`${ended}?from_day=0&to_day=8`), { dates: [7, 8], total: '5000' });
    assert.deepEqual((await dates(`${ended}?from_day=5005`)).dates, [5005, 5006]);
    assert.deepEqual((await dates(`${ended}?from_day=6000&to_day=6001`)).dates, []);

    // The advertiser's range is 0..today.
    const total = String(today + 1);
    assert.deepEqual(await dates(`${adv}?from_day=3&to_day=5`), { dates: [3, 4, 5], total });
    assert.deepEqual(await dates(`${adv}?from_day=${today - 1}&to_day=${today}`), {
      dates: [today - 1, today],
      total,
    });
    // from_day alone: up to 3660 days from it; to_day alone: up to 3660 days ending at it.
    const fromOnly = await dates(`${adv}?from_day=10`);
    assert.equal(fromOnly.dates.length, 3660);
    assert.equal(fromOnly.dates[0], 10);
    assert.equal(fromOnly.dates.at(-1), 3669);
    assert.deepEqual((await dates(`${adv}?to_day=2`)).dates, [0, 1, 2]);
    const toOnly = await dates(`${adv}?to_day=5000`);
    assert.equal(toOnly.dates[0], 5000 - 3659);
    assert.equal(toOnly.dates.at(-1), 5000);
    // Exactly 3660 days is allowed.
    assert.equal((await dates(`${adv}?from_day=0&to_day=3659`)).dates.length, 3660);
  });

  test('small ranges keep their whole series and no X-Total-Count', async (t) => {
    const { app } = await buildTestApp(t);
    const s = seed(app);
    const a = await s.advertiser();
    await s.advance(3);
    const res = await app.inject({
      method: 'GET',
      url: `/stats/advertisers/${a.advertiser_id}/campaigns/daily`,
    });
    assert.deepEqual(
      json<Daily[]>(res).map((d) => d.date),
      [0, 1, 2, 3],
    );
    assert.equal(res.headers['x-total-count'], undefined);
  });

  test('errors: from_day > to_day, a window over 3660 days, negative and non-integer days → 400', async () => {
    const s = seed(ctx.app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id, { start_date: MAX_DAY, end_date: MAX_DAY });
    for (const base of [
      `/stats/advertisers/${a.advertiser_id}/campaigns/daily`,
      `/stats/advertisers/${a.advertiser_id}/daily`,
      `/stats/campaigns/${c.campaign_id}/daily`,
    ]) {
      const tooWide = await get(`${base}?from_day=0&to_day=3660`);
      assert.equal(tooWide.statusCode, 400, base);
      assert.match(json<{ detail: string }>(tooWide).detail, /at most 3660 days/);
      const reversed = await get(`${base}?from_day=5&to_day=4`);
      assert.equal(reversed.statusCode, 400, base);
      assert.match(json<{ detail: string }>(reversed).detail, /from_day can't be greater than to_day/);
      for (const q of [
        'from_day=-1',
        'to_day=-1',
        'from_day=1.5',
        'to_day=abc',
        'from_day=',
        `to_day=${MAX_DAY + 1}`,
        'from_day=1e400',
      ]) {
        assert.equal((await get(`${base}?${q}`)).statusCode, 400, `${base}?${q}`);
      }
    }
    assert.equal(
      (await get(`/stats/advertisers/${randomUUID()}/campaigns/daily?from_day=0&to_day=1`)).statusCode,
      404,
    );
  });

  test('the OpenAPI document describes from_day, to_day and X-Total-Count', async () => {
    const doc = json<{
      paths: Record<
        string,
        {
          get: {
            parameters: { name: string; in: string }[];
            responses: Record<string, { headers?: Record<string, unknown> }>;
          };
        }
      >;
    }>(await get('/openapi.json'));
    for (const path of [
      '/stats/campaigns/{campaignId}/daily',
      '/stats/advertisers/{advertiserId}/campaigns/daily',
      '/stats/advertisers/{advertiserId}/daily',
    ]) {
      const op = doc.paths[path]?.get;
      assert.ok(op, path);
      const query = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      assert.deepEqual(query.sort(), ['from_day', 'to_day'], path);
      assert.ok(op.responses['200']?.headers?.['X-Total-Count'], path);
    }
  });
});
