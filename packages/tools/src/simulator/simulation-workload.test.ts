import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickProbability, generateSimulationWorkload, mlScoreOf } from './simulation-workload.ts';

const size = { clients: 200, advertisers: 8, campaigns: 25, days: 4, requests: 1_001, scoreDensity: 0.3 };

test('the same seed gives the same workload; another seed a different one', () => {
  assert.deepEqual(generateSimulationWorkload(size, 7), generateSimulationWorkload(size, 7));
  const other = generateSimulationWorkload(size, 8);
  assert.notDeepEqual(generateSimulationWorkload(size, 7).requests, other.requests);
  assert.notDeepEqual(generateSimulationWorkload(size, 7).campaigns, other.campaigns);
});

test('campaigns satisfy the API rules, and the request stream has the asked size', () => {
  const w = generateSimulationWorkload(size, 3);
  assert.equal(w.campaigns.length, 25);
  for (const { campaign, advertiser, advertiser_id } of w.campaigns) {
    assert.equal(w.advertisers[advertiser]?.advertiser_id, advertiser_id);
    assert.ok(campaign.impressions_limit >= 1);
    assert.ok(campaign.clicks_limit <= campaign.impressions_limit);
    assert.ok(campaign.start_date <= campaign.end_date && campaign.end_date < size.days);
    const t = campaign.targeting;
    if (t?.age_from != null && t.age_to != null) assert.ok(t.age_from <= t.age_to);
  }
  assert.equal(w.requests.length, 4);
  assert.equal(
    w.requests.reduce((n, d) => n + d.length, 0),
    1_001,
  );
  for (const day of w.requests)
    for (const r of day) assert.ok(r.client >= 0 && r.client < 200 && r.u >= 0 && r.u < 1);
  const total = w.campaigns.reduce((n, c) => n + c.campaign.impressions_limit, 0);
  assert.ok(total < 1_001, 'the inventory is scarcer than the demand');
});

test('ML scores are indexed by (client, advertiser); missing pairs score 0', () => {
  const w = generateSimulationWorkload(size, 3);
  const score = w.mlScores[0];
  assert.ok(score);
  const client = w.clients.findIndex((c) => c.client_id === score.client_id);
  const advertiser = w.advertisers.findIndex((a) => a.advertiser_id === score.advertiser_id);
  assert.equal(mlScoreOf(w, client, advertiser), score.score);
  assert.equal(w.scores.size, w.mlScores.length);
});

test('clients differ in activity', () => {
  const w = generateSimulationWorkload(size, 3);
  const counts = new Array<number>(200).fill(0);
  for (const day of w.requests) for (const r of day) counts[r.client] = (counts[r.client] ?? 0) + 1;
  assert.ok(Math.max(...counts) >= 4 * (1_001 / 200));
});

test('the click probability rises with the ML score', () => {
  assert.ok(Math.abs(clickProbability(0) - 0.02) < 0.001);
  assert.ok(Math.abs(clickProbability(10_000) - 0.25) < 0.005);
  let previous = 0;
  for (const s of [0, 100, 1_000, 5_000, 10_000]) {
    assert.ok(clickProbability(s) > previous);
    previous = clickProbability(s);
  }
});
