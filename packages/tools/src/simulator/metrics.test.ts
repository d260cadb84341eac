import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import { draftCampaign, TWO_ADVERTISERS, TWO_CLIENTS, testUuid } from '../../test/simulation.ts';
import { computeMetrics, type PolicyMetrics, withBaselineRatios, withCeilingShares } from './metrics.ts';
import { assembleWorkload } from './simulation-workload.ts';

const uuid = testUuid;
const campaign = (overrides: Partial<CreateCampaignInput>): CreateCampaignInput =>
  draftCampaign({ impressions_limit: 10, clicks_limit: 10, cost_per_click: 10, end_date: 1, ...overrides });

const w = assembleWorkload({
  seed: 1,
  clients: TWO_CLIENTS,
  advertisers: TWO_ADVERTISERS,
  campaigns: [
    // 0: limits of one impression and no click.
    { advertiser: 0, advertiser_id: uuid(8), campaign: campaign({ impressions_limit: 1, clicks_limit: 0 }) },
    // 1: women only, day 1 only.
    {
      advertiser: 1,
      advertiser_id: uuid(9),
      campaign: campaign({ cost_per_impression: 2, start_date: 1, targeting: { gender: 'FEMALE' } }),
    },
  ],
  mlScores: [
    { client_id: uuid(1), advertiser_id: uuid(8), score: 100 },
    { client_id: uuid(2), advertiser_id: uuid(9), score: 300 },
  ],
  requests: [[], []],
});

test('metrics of a hand-made trace', () => {
  const m = computeMetrics(w, [
    { day: 0, client: 0, campaign: 0, clicked: true }, // impression 1 + click 10 (over clicks limit 0)
    { day: 0, client: 0, campaign: 0, clicked: true }, // repeat: nothing new
    { day: 0, client: 1, campaign: 0, clicked: false }, // impression 1, over impressions limit 1
    { day: 0, client: 1, campaign: null, clicked: false },
    { day: 0, client: 1, campaign: 1, clicked: false }, // violation: not active on day 0; impression 2
    { day: 1, client: 0, campaign: 1, clicked: true }, // violation: targeting; impression 2 + click 10
  ]);
  assert.deepEqual(m, {
    requests: 6,
    served: 5,
    fillRate: 5 / 6,
    revenue: 26,
    impressionRevenue: 6,
    clickRevenue: 20,
    revenueWithinLimits: 15,
    impressions: 4,
    clicks: 2,
    meanRelevance: (100 + 100 + 0 + 300 + 0) / 5,
    impressionsOverLimit: 1,
    clicksOverLimit: 1,
    campaignsFull: 1,
    violations: 2,
  });
});

test('an empty trace has zero rates', () => {
  const m = computeMetrics(w, []);
  assert.equal(m.fillRate, 0);
  assert.equal(m.meanRelevance, 0);
  assert.equal(m.campaignsFull, 0);
});

test('ratios are to the reference; null without it', () => {
  const metrics = (policy: string, revenue: number, meanRelevance: number) =>
    ({ ...computeMetrics(w, []), policy, revenue, meanRelevance, runMs: 0, loadMs: 0 }) as PolicyMetrics;
  const [ref, engine] = withBaselineRatios([metrics('reference', 100, 50), metrics('adnova', 120, 40)]);
  assert.equal(ref?.revenueRatio, 1);
  assert.equal(engine?.revenueRatio, 1.2);
  assert.equal(engine?.relevanceRatio, 0.8);
  assert.equal(withBaselineRatios([metrics('adnova', 1, 1)])[0]?.revenueRatio, null);
});

test('the ceiling share is revenue within limits over the expected ceiling; null without one', () => {
  const m = {
    ...computeMetrics(w, []),
    policy: 'adnova',
    revenue: 90,
    revenueWithinLimits: 80,
    runMs: 0,
    loadMs: 0,
  } as PolicyMetrics;
  assert.equal(withCeilingShares([m], 100)[0]?.ceilingShare, 0.8);
  assert.equal(withCeilingShares([m], null)[0]?.ceilingShare, null);
});
