import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateWorkload } from './workload.ts';

const size = { clients: 300, advertisers: 10, campaigns: 40, mlScores: 1000, days: 5 };

test('the same seed gives the same data set; another seed a different one', () => {
  assert.deepEqual(generateWorkload(size, 7), generateWorkload(size, 7));
  assert.notDeepEqual(generateWorkload(size, 7).clients, generateWorkload(size, 8).clients);
});

test('generated entities satisfy the API rules', () => {
  const w = generateWorkload(size, 1);
  assert.equal(w.clients.length, 300);
  assert.equal(new Set(w.mlScores.map((s) => `${s.client_id}/${s.advertiser_id}`)).size, w.mlScores.length);
  for (const { campaign } of w.campaigns) {
    assert.ok(campaign.clicks_limit <= campaign.impressions_limit);
    assert.ok(campaign.start_date <= campaign.end_date && campaign.end_date < size.days);
    const t = campaign.targeting;
    if (t?.age_from != null && t.age_to != null) assert.ok(t.age_from <= t.age_to);
  }
  for (const c of w.clients)
    assert.match(c.client_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
