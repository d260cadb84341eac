import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAd } from '@adnova/server/testing';
import { said } from '@adnova/test-utils/fake-telegram';
import { startHarness } from '../../test/harness.ts';
import type { DayWindow } from '../api/adnova-api.ts';
import { CHART_MAX_DAYS } from '../chart/daily-chart.ts';

test('issue 12: /statistics at day 2^31 − 1 requests and draws only the chart window', async (t) => {
  const h = await startHarness(t);
  const MAX_DAY = 2_147_483_647;
  const advertiser = await h.seed.advertiser({ name: 'Far future' });
  await h.seed.campaign(advertiser.advertiser_id, {
    ad_title: 'Forever',
    start_date: 0,
    end_date: MAX_DAY,
    targeting: { location: 'Far future' },
  });
  await h.seed.advance(MAX_DAY);
  await getAd(h.adnova.app, (await h.seed.client({ location: 'Far future' })).client_id);

  // The feature holds the same api object: record what it asks for and how much comes back.
  const { api } = h.botDeps;
  const asked: { window: DayWindow | undefined; days: number }[] = [];
  const original = api.advertiserDailyStats;
  api.advertiserDailyStats = async (id, window) => {
    const days = await original(id, window);
    asked.push({ window, days: days.length });
    return days;
  };

  const user = h.tg.user();
  assert.match(
    said(await user.send(await h.linkCode(advertiser.advertiser_id))),
    /Successfully authenticated/,
  );
  const stats = await user.send('/statistics');
  assert.match(said(stats.filter((a) => a.method === 'sendMessage')), /Impressions: 1/);
  const chart = stats.find((a) => a.method === 'sendPhoto');
  assert.ok(chart?.photo, 'the daily chart is sent as a photo');
  assert.equal(chart.caption, `Daily impressions, clicks and spend, days ${MAX_DAY - 30}–${MAX_DAY}`);
  assert.deepEqual(asked, [
    { window: { from_day: MAX_DAY - CHART_MAX_DAYS + 1, to_day: MAX_DAY }, days: CHART_MAX_DAYS },
  ]);
});
