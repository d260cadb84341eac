import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import { draftCampaign, testUuid } from '../../test/simulation.ts';
import {
  createReferencePolicy,
  pickReference,
  type ReferenceCandidate,
  referenceCap,
  roundHalfEven,
} from './reference.policy.ts';
import { assembleWorkload } from './simulation-workload.ts';

const candidate = (overrides: Partial<ReferenceCandidate>): ReferenceCandidate => ({
  campaign: 0,
  impressionsLimit: 100,
  costPerImpression: 1,
  costPerClick: 1,
  ml: 0,
  impressions: 0,
  seen: false,
  clicked: false,
  ...overrides,
});
/** Coins that always land on the 1-in-4 side (x = 1) or never (x = 0). */
const heads = () => 0.1;
const tails = () => 0.9;

test('the cap rounds half to even like Python: L=5 → 6, L=15 → 16, L=25 → 28', () => {
  assert.equal(referenceCap(5, 1), 6);
  assert.equal(referenceCap(15, 1), 16);
  assert.equal(Math.round(16.5), 17, 'Math.round would differ here');
  assert.equal(referenceCap(25, 1), 28);
  assert.equal(referenceCap(15, 0), 15);
  assert.equal(referenceCap(0, 1), 0);
  assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6, 3.5].map(roundHalfEven), [0, 2, 2, 2, 3, 4]);
});

test('a new client is refused once impressions reach the cap; the coin grants the 10 % grace', () => {
  const at = (limit: number, impressions: number, coin: () => number) =>
    pickReference([candidate({ impressionsLimit: limit, impressions })], coin);
  assert.equal(at(15, 15, tails), null);
  assert.equal(at(15, 15, heads), 0);
  assert.equal(at(15, 16, heads), null, 'cap 16, not 17');
  assert.equal(at(5, 5, heads), 0);
  assert.equal(at(5, 6, heads), null);
  assert.equal(at(25, 27, heads), 0);
  assert.equal(at(25, 28, heads), null);
  assert.equal(at(0, 0, heads), null, 'L = 0 is never shown to a new client');
  assert.equal(pickReference([candidate({ impressionsLimit: 1, impressions: 9, seen: true })], tails), 0);
});

test('one coin draw per unseen candidate, in order; seen candidates draw none', () => {
  let draws = 0;
  const coin = () => {
    draws++;
    return 0.9;
  };
  pickReference(
    [candidate({ campaign: 0 }), candidate({ campaign: 1, seen: true }), candidate({ campaign: 2 })],
    coin,
  );
  assert.equal(draws, 2);
});

test('a seen-and-clicked campaign scores profit 0, below a seen one that can still be clicked', () => {
  const clicked = candidate({ campaign: 0, seen: true, clicked: true, costPerClick: 100, ml: 100 });
  const seen = candidate({ campaign: 1, seen: true, costPerClick: 1, ml: 0 });
  // profit 0 vs 1: 0 + 0.4 · 1 for the clicked one, 0.8 · 1 + 0 for the other.
  assert.equal(pickReference([clicked, seen], tails), 1);
  // With equal profits everything normalises to 0 and relevance decides.
  assert.equal(pickReference([clicked, { ...seen, clicked: true }], tails), 0);
});

test('profit is normalised, then relevance against the best score, plus the fill bonus', () => {
  const rich = candidate({ campaign: 0, costPerImpression: 2, costPerClick: 2, ml: 10 });
  const relevant = candidate({ campaign: 1, costPerImpression: 1, costPerClick: 1, ml: 100 });
  // rich: 0.8 + 0.04; relevant: 0 + 0.4.
  assert.equal(pickReference([rich, relevant], tails), 0);
  const fuller = candidate({ campaign: 2, impressionsLimit: 10, impressions: 9 });
  const emptier = candidate({ campaign: 3, impressionsLimit: 10, impressions: 1 });
  assert.equal(pickReference([emptier, fuller], tails), 2);
});

test('ties go to the earliest candidate in creation order', () => {
  assert.equal(pickReference([candidate({ campaign: 4 }), candidate({ campaign: 2 })], tails), 4);
  assert.equal(pickReference([candidate({ campaign: 2 }), candidate({ campaign: 4 })], tails), 2);
});

const campaign = (overrides: Partial<CreateCampaignInput>): CreateCampaignInput =>
  draftCampaign({ impressions_limit: 10, clicks_limit: 0, ...overrides });
const uuid = testUuid;

test('the policy ignores clicks_limit, keeps its own counts, and follows the day and targeting', async () => {
  const w = assembleWorkload({
    seed: 1,
    clients: [
      { client_id: uuid(1), login: 'a', age: 30, location: 'Kazan', gender: 'MALE' },
      { client_id: uuid(2), login: 'b', age: 30, location: 'Sochi', gender: 'FEMALE' },
    ],
    advertisers: [{ advertiser_id: uuid(9), name: 'A' }],
    campaigns: [
      { advertiser: 0, advertiser_id: uuid(9), campaign: campaign({ clicks_limit: 0 }) },
      {
        advertiser: 0,
        advertiser_id: uuid(9),
        campaign: campaign({ start_date: 1, end_date: 1, targeting: { location: 'Sochi' } }),
      },
    ],
    mlScores: [],
    requests: [[], []],
  });
  const policy = createReferencePolicy(w);
  assert.equal(await policy.serve(0), 0);
  await policy.click(0, 0);
  assert.equal(await policy.serve(0), 0, 'still served after a click beyond clicks_limit 0');
  assert.equal(await policy.serve(1), 0);
  await policy.advanceDay(1);
  assert.equal(await policy.serve(0), null, 'campaign 1 targets Sochi only');
  assert.equal(await policy.serve(1), 1);
});
