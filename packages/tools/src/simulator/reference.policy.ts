import { seededRandom } from '../workload/workload.ts';
import type { Policy } from './policy.ts';
import {
  isActiveOn,
  mlScoreOf,
  type SimulationWorkload,
  streamSeed,
  targetingMatches,
} from './simulation-workload.ts';

/**
 * Python's `round` on a double: halves go to the even integer (16.5 → 16, 27.5 → 28), unlike
 * `Math.round`. `x - floor(x)` is exact for doubles, so the half test is exact too.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The seed's impressions cap for a new client: `x` is its 1-in-4 coin (0 or 1), spec §5.3. */
export function referenceCap(impressionsLimit: number, x: 0 | 1): number {
  return roundHalfEven(impressionsLimit + 0.1 * impressionsLimit * x);
}

/** One campaign active today and matching the client, as the seed reads it. */
export type ReferenceCandidate = {
  campaign: number;
  impressionsLimit: number;
  costPerImpression: number;
  costPerClick: number;
  /** ML score of (client, advertiser); 0 when absent. */
  ml: number;
  /** The campaign's impressions so far, all clients. */
  impressions: number;
  seen: boolean;
  clicked: boolean;
};

/**
 * Steps 2–5 of the seed's algorithm (spec §5.3), exactly: per unseen candidate, in order, one
 * draw from `coin` decides the 10 % grace; then min–max normalised profit, relevance against the
 * best ML score, and a small fill bonus. `clicks_limit` plays no part. Ties go to the earliest
 * candidate. Returns the chosen campaign, or null when the caps dropped every candidate.
 */
export function pickReference(candidates: readonly ReferenceCandidate[], coin: () => number): number | null {
  const kept: ReferenceCandidate[] = [];
  for (const c of candidates) {
    if (!c.seen) {
      const x = coin() < 0.25 ? 1 : 0;
      if (c.impressions >= referenceCap(c.impressionsLimit, x)) continue;
    }
    kept.push(c);
  }
  if (kept.length === 0) return null;
  const profit = (c: ReferenceCandidate): number =>
    !c.seen ? c.costPerImpression + c.costPerClick : !c.clicked ? c.costPerClick : 0;
  let pmin = Number.POSITIVE_INFINITY;
  let pmax = Number.NEGATIVE_INFINITY;
  let mlmax = Number.NEGATIVE_INFINITY;
  for (const c of kept) {
    const p = profit(c);
    pmin = Math.min(pmin, p);
    pmax = Math.max(pmax, p);
    mlmax = Math.max(mlmax, c.ml);
  }
  const range = pmax === pmin ? 1 : pmax - pmin;
  let best: ReferenceCandidate | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const c of kept) {
    const fill = c.impressionsLimit > 0 ? c.impressions / c.impressionsLimit : 0;
    const score = (0.8 * (profit(c) - pmin)) / range + 0.4 * (mlmax > 0 ? c.ml / mlmax : 0) + 0.05 * fill;
    // Strictly greater: an equal score never displaces an earlier candidate (stable sort).
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best ? best.campaign : null;
}

/** Coin stream of the reference policy, separate from the workload's streams. */
const COIN_STREAM = 101;

/**
 * The seed's algorithm as an in-memory policy with its own state (impressions per campaign, each
 * client's impressions and clicks) and a seeded coin, so a run is reproducible.
 */
export function createReferencePolicy(w: SimulationWorkload, seed = w.seed): Policy {
  const coin = seededRandom(streamSeed(seed, COIN_STREAM));
  const impressions = new Array<number>(w.campaigns.length).fill(0);
  const seen = w.clients.map(() => new Set<number>());
  const clicked = w.clients.map(() => new Set<number>());
  const activeOn = (day: number): number[] =>
    w.campaigns.flatMap((c, i) => (isActiveOn(c.campaign, day) ? [i] : []));
  let active = activeOn(0);

  return {
    name: 'reference',
    async serve(client) {
      const profile = w.clients[client];
      const clientSeen = seen[client];
      const clientClicked = clicked[client];
      if (!profile || !clientSeen || !clientClicked) return null;
      const candidates: ReferenceCandidate[] = [];
      for (const i of active) {
        const c = w.campaigns[i];
        if (!c || !targetingMatches(c.campaign, profile)) continue;
        candidates.push({
          campaign: i,
          impressionsLimit: c.campaign.impressions_limit,
          costPerImpression: c.campaign.cost_per_impression,
          costPerClick: c.campaign.cost_per_click,
          ml: mlScoreOf(w, client, c.advertiser),
          impressions: impressions[i] ?? 0,
          seen: clientSeen.has(i),
          clicked: clientClicked.has(i),
        });
      }
      const chosen = pickReference(candidates, coin);
      if (chosen !== null && !clientSeen.has(chosen)) {
        clientSeen.add(chosen);
        impressions[chosen] = (impressions[chosen] ?? 0) + 1;
      }
      return chosen;
    },
    async click(campaign, client) {
      clicked[client]?.add(campaign);
    },
    async advanceDay(day) {
      active = activeOn(day);
    },
    async close() {},
  };
}
