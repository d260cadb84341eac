// In-process selection time at bench scale: the CPU part of GET /ads (eligibility, prices, the
// values of every eligible campaign in each client state and the batch sent to the serving
// statement) for one client against 1,000 running campaigns, without and with a plan's prices.
// No database: the round trip is measured by `npm run bench`'s HTTP rows.
// Usage: npx tsx --conditions=source packages/core/bench/selection.ts [--campaigns 1000 --runs 20000]

import { parseArgs } from 'node:util';
import { rankForServing, SERVE_BATCH } from '../src/ads/ads.ts';
import type { CatalogEntry, ServedContent } from '../src/ads/catalog.ts';
import type { ShadowPrices } from '../src/ads/planner.ts';
import { priorClickProbability } from '../src/ads/select-ad.ts';
import { seededRandom } from '../src/shared/random.ts';

const { values } = parseArgs({
  options: { campaigns: { type: 'string', default: '1000' }, runs: { type: 'string', default: '20000' } },
});
const campaigns = Number(values.campaigns);
const runs = Number(values.runs);
const random = seededRandom(7);
const advertisers = Array.from({ length: 100 }, (_, i) => `adv-${i}`);
const entries: CatalogEntry[] = Array.from({ length: campaigns }, (_, i) => ({
  id: `campaign-${i}`,
  advertiserId: advertisers[i % advertisers.length] as string,
  seq: i,
  // Ranking never reads what the ad shows.
  ad: {} as ServedContent,
  adImageKey: null,
  costPerImpression: 0.1 + random() * 5,
  costPerClick: 1 + random() * 30,
  targetGender: random() < 0.5 ? null : 'ALL',
  targetAgeFrom: random() < 0.3 ? 18 : null,
  targetAgeTo: random() < 0.3 ? 70 : null,
  targetLocation: random() < 0.2 ? 'Moscow' : null,
  impressionsLimit: 1_000,
  impressions: Math.floor(random() * 900),
  clicksLimit: 100,
  clicks: Math.floor(random() * 90),
  full: false,
}));
const client = {
  age: 30,
  gender: 'FEMALE' as const,
  location: 'Moscow',
  scores: new Map(advertisers.map((a) => [a, Math.floor(random() * 10_000)])),
  seen: new Set(entries.filter(() => random() < 0.05).map((e) => e.id)),
  clicked: new Set<string>(),
};
const prices = new Map<string, ShadowPrices>(
  entries.filter(() => random() < 0.6).map((e) => [e.id, { impression: random() * 3, click: random() * 10 }]),
);

function measure(label: string, withPrices: ReadonlyMap<string, ShadowPrices>): void {
  const times = new Float64Array(runs);
  let sink = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const batch = rankForServing(entries, client, withPrices, priorClickProbability, SERVE_BATCH);
    times[i] = performance.now() - start;
    sink += batch.campaigns.length;
  }
  times.sort();
  const at = (q: number) => (times[Math.min(runs - 1, Math.floor(q * runs))] ?? 0).toFixed(3);
  console.log(
    `${label.padEnd(16)} | ${String(campaigns).padStart(9)} | ${at(0.5).padStart(7)} | ${at(0.99).padStart(7)} | ${at(0.999).padStart(7)}${sink < 0 ? ' ' : ''}`,
  );
}

console.log('selection        | campaigns | p50 ms  | p99 ms  | p99.9 ms');
// Warm-up, then each variant measured alike.
measure('(warm-up)', prices);
measure('greedy', new Map());
measure('with plan prices', prices);
