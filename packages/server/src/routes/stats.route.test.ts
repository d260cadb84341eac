import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { buildTestApp, click, getAd, json, seed } from '../../test/helper.ts';

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
