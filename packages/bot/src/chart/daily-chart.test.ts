import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { CHART_MAX_DAYS, chartWindow, dailyChartSvg, renderDailyChart } from './daily-chart.ts';

const labels = { impressions: 'Impressions', clicks: 'Clicks', spent: 'Spent <€>', title: 'Days 0–2' };
const day = (date: number, impressions: number, clicks: number, spent: number) => ({
  date,
  impressions_count: impressions,
  clicks_count: clicks,
  spent_total: spent,
});

test('the chart is a 960×540 PNG', async () => {
  const image = await renderDailyChart([day(0, 0, 0, 0), day(1, 12, 3, 7.5), day(2, 40, 9, 21.25)], labels);
  const meta = await sharp(image).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 960, 540]);
});

test('bars per day, a spend line, escaped labels, only the latest days', () => {
  const svg = dailyChartSvg([day(0, 0, 0, 0), day(1, 12, 3, 7.5), day(2, 40, 9, 21.25)], labels);
  assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 3 + 3 * 2); // background, legend, 2 bars a day
  assert.match(svg, /<polyline points="[^"]+"/);
  assert.match(svg, /Spent &lt;€&gt;/);

  const long = Array.from({ length: 100 }, (_, i) => day(i, i, 0, 0));
  const lastDays = dailyChartSvg(long, labels);
  assert.equal((lastDays.match(/<circle /g) ?? []).length, CHART_MAX_DAYS);
  assert.match(lastDays, />99</);
  assert.doesNotMatch(lastDays, />68</);
});

test('all-zero and single-day series still draw', async () => {
  assert.doesNotMatch(dailyChartSvg([day(0, 0, 0, 0)], labels), /NaN|Infinity/);
  assert.ok((await renderDailyChart([], labels)).length > 0);
});

test('issue 12: the chart asks for its last CHART_MAX_DAYS days only, and draws any series without spreading it', () => {
  assert.deepEqual(chartWindow(0), { from_day: 0, to_day: 0 });
  assert.deepEqual(chartWindow(10), { from_day: 0, to_day: 10 });
  assert.deepEqual(chartWindow(2_147_483_647), {
    from_day: 2_147_483_647 - CHART_MAX_DAYS + 1,
    to_day: 2_147_483_647,
  });
  const huge = Array.from({ length: 1_000_000 }, (_, i) => day(i, i % 7, 0, 0));
  const svg = dailyChartSvg(huge, labels);
  assert.equal((svg.match(/<circle /g) ?? []).length, CHART_MAX_DAYS);
  assert.doesNotMatch(svg, /NaN|Infinity/);
});
