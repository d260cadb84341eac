import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesTargeting } from './catalog.ts';
import { type Candidate, clickProbability, expectedRevenue, rankCandidates } from './select-ad.ts';

const candidate = (overrides: Partial<Candidate>): Candidate => ({
  campaignId: 'c',
  advertiserId: 'a',
  seq: 1,
  costPerImpression: 1,
  costPerClick: 1,
  score: 0,
  seen: false,
  clicked: false,
  ...overrides,
});

test('click probability grows with the ML score and stays a probability', () => {
  let previous = -1;
  for (const score of [0, 1, 10, 100, 1000, 10_000, 2 ** 31 - 1]) {
    const p = clickProbability(score);
    assert.ok(p > previous && p > 0 && p < 1, `${score} → ${p}`);
    previous = p;
  }
});

test('expected revenue: impression only if unseen, click only if not clicked', () => {
  const fresh = candidate({ costPerImpression: 2, costPerClick: 10, score: 500 });
  assert.equal(expectedRevenue(fresh), 2 + 10 * clickProbability(500));
  assert.equal(expectedRevenue({ ...fresh, seen: true }), 10 * clickProbability(500));
  assert.equal(expectedRevenue({ ...fresh, seen: true, clicked: true }), 0);
});

test('ranking: revenue first, then ML score, then creation order (deterministic)', () => {
  const a = candidate({ campaignId: 'a', seq: 3, costPerImpression: 1, costPerClick: 0, score: 5 });
  const b = candidate({ campaignId: 'b', seq: 2, costPerImpression: 1, costPerClick: 0, score: 9 });
  const c = candidate({ campaignId: 'c', seq: 1, costPerImpression: 1, costPerClick: 0, score: 9 });
  const d = candidate({ campaignId: 'd', seq: 4, costPerImpression: 2, costPerClick: 0, score: 0 });
  assert.deepEqual(
    rankCandidates([a, b, c, d]).map((x) => x.campaignId),
    ['d', 'c', 'b', 'a'],
  );
});

test('targeting matches spec §4.2', () => {
  const none = { targetGender: null, targetAgeFrom: null, targetAgeTo: null, targetLocation: null };
  const ann = { age: 25, gender: 'FEMALE', location: 'Kazan' };
  assert.ok(matchesTargeting(none, ann));
  assert.ok(matchesTargeting({ ...none, targetGender: 'ALL' }, ann));
  assert.ok(!matchesTargeting({ ...none, targetGender: 'MALE' }, ann));
  assert.ok(matchesTargeting({ ...none, targetAgeFrom: 25, targetAgeTo: 25 }, ann));
  assert.ok(!matchesTargeting({ ...none, targetAgeFrom: 26 }, ann));
  assert.ok(!matchesTargeting({ ...none, targetAgeTo: 24 }, ann));
  assert.ok(!matchesTargeting({ ...none, targetLocation: 'kazan' }, ann));
  assert.ok(matchesTargeting({ ...none, targetLocation: 'Kazan' }, ann));
});
