import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineChart, niceScale } from './charts.ts';

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
