import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesTargeting } from './catalog.ts';
import { type Candidate, candidateValue, priorClickProbability, rankCandidates } from './select-ad.ts';

const candidate = (overrides: Partial<Candidate>): Candidate => ({
  campaignId: 'c',
  advertiserId: 'a',
  seq: 1,
  costPerImpression: 1,
  costPerClick: 1,
  score: 0,
  seen: false,
  clicked: false,
  impressions: 0,
  impressionsLimit: 100,
  clicks: 0,
  clicksLimit: 100,
  ...overrides,
});

test('prior click probability grows with the ML score and stays a probability', () => {
  let previous = -1;
  for (const score of [0, 1, 10, 100, 1000, 10_000]) {
    const p = priorClickProbability(score);
    assert.ok(p > previous && p > 0 && p < 1, `${score} → ${p}`);
    previous = p;
  }
  // Scores beyond the data set's 10 000 count as 10 000.
  assert.equal(priorClickProbability(2 ** 31 - 1), priorClickProbability(10_000));
  assert.equal(priorClickProbability(-1), priorClickProbability(0));
});

test('value: impression only if unseen, click only if not clicked, plus relevance', () => {
  const p = () => 0.1;
  const fresh = candidate({ costPerImpression: 2, costPerClick: 10, score: 0 });
  assert.equal(candidateValue(fresh, p), 2 + 10 * 0.1);
  assert.equal(candidateValue({ ...fresh, seen: true }, p), 10 * 0.1);
  assert.equal(candidateValue({ ...fresh, seen: true, clicked: true }, p), 0);
  const relevant = { ...fresh, seen: true, clicked: true, score: 5000 };
  assert.ok(candidateValue(relevant, p) > 0);
});

test('the last allowed click is charged the impressions it would forfeit', () => {
  const p = () => 0.1;
  const open = candidate({ costPerImpression: 1, costPerClick: 10, impressions: 10, impressionsLimit: 100 });
  const lastClick = { ...open, clicks: 4, clicksLimit: 5 };
  // 89 unsold impressions after this one at CPI 1 outweigh the click's 10.
  assert.ok(candidateValue(lastClick, p) < candidateValue(open, p));
  // A seen ad whose click would close a campaign with impressions left loses to a fresh one.
  const other = candidate({ campaignId: 'o', seq: 2, costPerImpression: 0.5, costPerClick: 1 });
  const ranked = rankCandidates([{ ...lastClick, seen: true }, other], p);
  assert.equal(ranked[0]?.campaignId, 'o');
  // With no impressions left to lose, the last click is worth its full price.
  const sold = { ...lastClick, impressions: 100, seen: true };
  assert.equal(candidateValue(sold, p), 10 * 0.1);
});

test('a higher click estimate moves a relevant ad up', () => {
  const cheapRelevant = candidate({
    campaignId: 'r',
    seq: 1,
    costPerImpression: 1,
    costPerClick: 20,
    score: 9000,
  });
  const pricey = candidate({ campaignId: 'x', seq: 2, costPerImpression: 5, costPerClick: 1, score: 0 });
  assert.equal(rankCandidates([cheapRelevant, pricey], () => 0.01)[0]?.campaignId, 'x');
  assert.equal(rankCandidates([cheapRelevant, pricey], (s) => (s > 5000 ? 0.3 : 0.01))[0]?.campaignId, 'r');
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
