import assert from 'node:assert/strict';
import { test } from 'node:test';
import { solveLp } from '../shared/lp.ts';
import {
  buildPlanModel,
  nextPace,
  type PlanCampaign,
  type PlanClient,
  type PlanInput,
  pricesFrom,
} from './planner.ts';
import { type Candidate, candidateValue, rankCandidates, SELECTION } from './select-ad.ts';
import { estimateDemand, sampleByWeight } from './selection-planner.ts';

// Hand-made plans: campaigns and a demand sample whose optimum is clear, solved by HiGHS.

const campaign = (id: string, over: Partial<PlanCampaign> = {}): PlanCampaign => ({
  id,
  advertiserId: 'adv',
  costPerImpression: 1,
  costPerClick: 0,
  startDate: 0,
  endDate: 0,
  targetGender: null,
  targetAgeFrom: null,
  targetAgeTo: null,
  targetLocation: null,
  impressionsLeft: 10,
  clicksLeft: 10,
  ...over,
});

const client = (score: number, over: Partial<PlanClient> = {}): PlanClient => ({
  age: 30,
  gender: 'FEMALE',
  location: 'X',
  scores: { adv: score },
  seen: new Set(),
  clicked: new Set(),
  weight: 1,
  ...over,
});

// Click probability = score / 100, so scores read as percentages.
const click = (score: number) => score / 100;

async function plan(input: Omit<PlanInput, 'click' | 'totalWeight'> & { totalWeight?: number }) {
  const full: PlanInput = {
    click,
    totalWeight: input.sample.reduce((n, c) => n + c.weight, 0),
    ...input,
  };
  const model = buildPlanModel(full);
  const solution = await solveLp(model.lp);
  return { prices: pricesFrom(full.campaigns, model, solution), objective: solution.objective };
}

const asCandidate = (
  c: PlanCampaign,
  score: number,
  prices?: { impression: number; click: number },
): Candidate => ({
  campaignId: c.id,
  advertiserId: c.advertiserId,
  seq: 0,
  costPerImpression: c.costPerImpression,
  costPerClick: c.costPerClick,
  score,
  seen: false,
  clicked: false,
  impressions: 0,
  impressionsLimit: 1_000,
  clicks: 0,
  clicksLimit: 1_000,
  impressionPrice: prices?.impression ?? 0,
  clickPrice: prices?.click ?? 0,
});

test('a scarce campaign is saved for the clients who click more: its price sits between their values', async () => {
  // 20 draws, half low-clicking (5 %), half high-clicking (50 %), 100 requests a day over two days;
  // the campaign can take 10 impressions, worth 1 + p·10 each: 1.5 for the low, 6 for the high.
  const scarce = campaign('scarce', { costPerClick: 10, impressionsLeft: 10, clicksLeft: 100, endDate: 1 });
  const sample = [
    ...Array.from({ length: 10 }, () => client(5)),
    ...Array.from({ length: 10 }, () => client(50)),
  ];
  const { prices, objective } = await plan({
    day: 0,
    campaigns: [scarce],
    sample,
    demand: { today: 100, perDay: 100 },
  });
  // All ten impressions go to high clickers.
  assert.ok(Math.abs(objective - 60) < 0.1, `objective ${objective}`);
  const lambda = prices.get('scarce')?.impression ?? 0;
  assert.ok(lambda >= 1.5 - 1e-9 && lambda <= 6 + 1e-9, `λ = ${lambda}`);
  // Ranking charges it (times the configured weight) on every new impression of the campaign.
  const price = prices.get('scarce');
  const charged =
    candidateValue(asCandidate(scarce, 5), click) - candidateValue(asCandidate(scarce, 5, price), click);
  assert.ok(Math.abs(charged - SELECTION.priceWeight * lambda) < 1e-9);
});

test('a campaign that ends today is spent now, a better one that runs on is kept for tomorrow', async () => {
  // 100 clients asking 10 times a day in all: about 10 fresh clients a day. Greedy shows the better
  // campaign today and lets the other end unsold (about 12 in all); the plan sells the ending one
  // today and the better one tomorrow (about 9.5 + 9 × 1.2).
  const endsToday = campaign('today', { costPerImpression: 1, endDate: 0, impressionsLeft: 10 });
  const runsOn = campaign('later', { costPerImpression: 1.2, endDate: 1, impressionsLeft: 9 });
  const sample = Array.from({ length: 100 }, () => client(0));
  const { prices, objective } = await plan({
    day: 0,
    campaigns: [runsOn, endsToday],
    sample,
    demand: { today: 10, perDay: 10 },
  });
  assert.ok(objective > 19.5, `objective ${objective}`);
  const today = prices.get('today')?.impression ?? 0;
  const later = prices.get('later')?.impression ?? 0;
  assert.ok(later > today, `λ today ${today}, λ later ${later}`);
  const ranked = rankCandidates(
    [asCandidate(runsOn, 0, prices.get('later')), asCandidate(endsToday, 0, prices.get('today'))],
    click,
  );
  assert.equal(ranked[0]?.campaignId, 'today');
  // Without prices, greedy would have picked the better one.
  assert.equal(
    rankCandidates([asCandidate(runsOn, 0), asCandidate(endsToday, 0)], click)[0]?.campaignId,
    'later',
  );
});

test('a campaign whose clicks cap is about to close is steered to clients unlikely to click', async () => {
  // 100 impressions left but 2 clicks: showing it to 50 % clickers closes it after ~4 impressions.
  const nearlyClosed = campaign('closing', {
    costPerImpression: 1,
    costPerClick: 1,
    impressionsLeft: 100,
    clicksLeft: 2,
  });
  const sample = [
    ...Array.from({ length: 10 }, () => client(1)),
    ...Array.from({ length: 10 }, () => client(50)),
  ];
  const { prices } = await plan({
    day: 0,
    campaigns: [nearlyClosed],
    sample,
    demand: { today: 200, perDay: 0 },
  });
  const price = prices.get('closing');
  assert.ok((price?.click ?? 0) > 1, `μ = ${price?.click}`);
  // With the price, a 1 % clicker ranks this campaign above a 50 % clicker.
  assert.ok(
    candidateValue(asCandidate(nearlyClosed, 1, price), click) >
      candidateValue(asCandidate(nearlyClosed, 50, price), click),
  );
});

test('a client who has seen a campaign gives it no new impression, and a request may re-show instead', async () => {
  const c = campaign('seen-one', { impressionsLeft: 5 });
  const sample = [client(0, { seen: new Set(['seen-one']) })];
  const { objective, prices } = await plan({
    day: 0,
    campaigns: [c],
    sample,
    demand: { today: 10, perDay: 0 },
  });
  assert.equal(objective, 0);
  assert.equal(prices.size, 0);
});

test('demand: the mean of past days; before any, today counts as half a day', () => {
  assert.deepEqual(estimateDemand(new Map(), 0), { today: 0, perDay: 0 });
  assert.deepEqual(estimateDemand(new Map([[0, 300]]), 0), { today: 300, perDay: 600 });
  assert.deepEqual(
    estimateDemand(
      new Map([
        [1, 100],
        [2, 300],
        [3, 50],
      ]),
      3,
    ),
    { today: 150, perDay: 200 },
  );
  // Today already past the mean: at least a tenth of a day is still expected.
  assert.deepEqual(
    estimateDemand(
      new Map([
        [0, 100],
        [1, 500],
      ]),
      1,
    ),
    { today: 10, perDay: 100 },
  );
});

test('weighted sampling draws in proportion to weight, deterministically', () => {
  const fixed = () => 0.5;
  assert.deepEqual(sampleByWeight([1, 1, 2], 4, fixed), [0, 1, 2, 2]);
  assert.deepEqual(sampleByWeight([0, 0], 3, fixed), []);
  const draws = sampleByWeight([1, 9], 100, fixed);
  assert.equal(draws.filter((i) => i === 1).length, 90);
});

test('pacing lowers the share of a price that blocked planned sales and restores it when sales run ahead', () => {
  const planned = { pace: 1, plannedRate: 0.01, day: 3, impressionsLeft: 100, requestsToday: 1_000 };
  // 1,000 requests later: nothing sold, where 10 were planned.
  const slowed = nextPace(planned, { day: 3, requestsToday: 2_000, impressionsLeft: 100 });
  assert.ok(Math.abs(slowed - Math.exp(-1)) < 1e-12, String(slowed));
  // On plan: unchanged. Twice as fast: back up, but never above 1.
  assert.equal(
    nextPace({ ...planned, pace: 0.5 }, { day: 3, requestsToday: 2_000, impressionsLeft: 90 }),
    0.5,
  );
  const faster = nextPace({ ...planned, pace: 0.5 }, { day: 3, requestsToday: 2_000, impressionsLeft: 80 });
  assert.ok(faster > 0.5 && faster < 1.5, String(faster));
  assert.equal(nextPace({ ...planned, pace: 0.9 }, { day: 3, requestsToday: 2_000, impressionsLeft: 0 }), 1);
  // A new day, no requests since, or no planned sales: the share carries over; no record: 1.
  assert.equal(nextPace({ ...planned, pace: 0.3 }, { day: 4, requestsToday: 10, impressionsLeft: 50 }), 0.3);
  assert.equal(
    nextPace({ ...planned, pace: 0.3 }, { day: 3, requestsToday: 1_000, impressionsLeft: 50 }),
    0.3,
  );
  assert.equal(
    nextPace(
      { ...planned, pace: 0.3, plannedRate: 0 },
      { day: 3, requestsToday: 2_000, impressionsLeft: 50 },
    ),
    0.3,
  );
  assert.equal(nextPace(undefined, { day: 3, requestsToday: 2_000, impressionsLeft: 50 }), 1);
});
