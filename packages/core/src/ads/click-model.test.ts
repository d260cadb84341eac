import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateFromCounts, scoreBand } from './click-model.ts';
import { priorClickProbability, SELECTION } from './select-ad.ts';

const empty = () => ({
  impressions: new Array<number>(SELECTION.learning.buckets).fill(0),
  clicks: new Array<number>(SELECTION.learning.buckets).fill(0),
});

test('score bands: equal widths, the last one open-ended, negatives in the first', () => {
  assert.equal(scoreBand(0), 0);
  assert.equal(scoreBand(-5), 0);
  assert.equal(scoreBand(SELECTION.learning.bucketWidth), 1);
  assert.equal(scoreBand(2 ** 31 - 1), SELECTION.learning.buckets - 1);
});

test('without data the estimate is the prior at the band middle', () => {
  const p = estimateFromCounts(empty());
  const width = SELECTION.learning.bucketWidth;
  assert.equal(p(0), priorClickProbability(width / 2));
  assert.equal(p(width * 3 + 1), priorClickProbability(width * 3.5));
});

test('the learned estimate moves toward the observed click rate', () => {
  const counts = empty();
  const before = estimateFromCounts(counts)(0);
  counts.impressions[0] = 100;
  counts.clicks[0] = 40;
  const some = estimateFromCounts(counts)(0);
  counts.impressions[0] = 100_000;
  counts.clicks[0] = 40_000;
  const lots = estimateFromCounts(counts)(0);
  assert.ok(before < some && some < lots && lots < 0.4, `${before} ${some} ${lots}`);
  assert.ok(Math.abs(lots - 0.4) < 0.01);
  // Other bands are unaffected; a band that never converts drifts down.
  assert.equal(estimateFromCounts(counts)(9000), priorClickProbability(9500));
  counts.impressions[9] = 10_000;
  assert.ok(estimateFromCounts(counts)(9000) < 0.01);
});

test('more clicks than impressions (deleted rows) still give a probability', () => {
  const counts = empty();
  counts.impressions[2] = 5;
  counts.clicks[2] = 50;
  const p = estimateFromCounts(counts)(2500);
  assert.ok(p > 0 && p <= 1);
});
