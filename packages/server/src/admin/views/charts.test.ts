import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChart, MAX_CHART_POINTS, niceScale } from './charts.ts';

test('axis scales end on round numbers above the data', () => {
  assert.deepEqual(niceScale(0), { top: 1, step: 0.2 });
  assert.deepEqual(niceScale(7), { top: 8, step: 2 });
  assert.deepEqual(niceScale(43), { top: 50, step: 10 });
  assert.deepEqual(niceScale(1234), { top: 1500, step: 500 });
});

test('a line chart is inline SVG with one polyline per series and escaped labels', () => {
  const svg = lineChart({
    title: 'Daily <b>',
    days: [0, 1, 2],
    xLabel: 'Day',
    emptyText: 'No data',
    series: [
      { label: 'Impressions', values: [1, 5, 3] },
      { label: 'Clicks "x"', values: [0, 2, 1] },
    ],
  }).value;
  assert.match(svg, /^<figure class="chart">/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.equal((svg.match(/<circle/g) ?? []).length, 6);
  assert.match(svg, /aria-label="Daily &lt;b&gt;"/);
  assert.match(svg, /Clicks &quot;x&quot;/);
  assert.doesNotMatch(svg, /NaN/);
  assert.match(
    lineChart({ title: 'T', days: [], xLabel: 'Day', emptyText: 'No data', series: [] }).value,
    /No data/,
  );
});

test('issue 12: a series of a million days neither overflows the stack nor draws more than the window', () => {
  const n = 1_000_000;
  const days = Array.from({ length: n }, (_, i) => i);
  const values = Array.from({ length: n }, (_, i) => (i === n - 1 ? 7 : i % 5));
  const svg = lineChart({
    title: 'Long',
    days,
    xLabel: 'Day',
    emptyText: 'No data',
    series: [
      { label: 'Impressions', values },
      { label: 'Clicks', values },
    ],
  }).value;
  const polylines = [...svg.matchAll(/<polyline fill="none" points="([^"]*)"/g)];
  assert.equal(polylines.length, 2);
  for (const [, points] of polylines) assert.equal(points?.split(' ').length, MAX_CHART_POINTS);
  // The latest days are the ones drawn, and the axis fits them (the last value, 7, tops it at 8).
  assert.match(svg, />999999</);
  assert.match(svg, new RegExp(`>${n - MAX_CHART_POINTS}<`));
  assert.doesNotMatch(svg, new RegExp(`>${n - MAX_CHART_POINTS - 1}<`));
  assert.match(svg, />8</);
  assert.ok(svg.length < 1_000_000, `${svg.length} characters`);
});
