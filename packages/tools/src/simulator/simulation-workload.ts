import type { Advertiser } from '@adnova/core/advertisers/advertisers.schema';
import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import type { Client } from '@adnova/core/clients/clients.schema';
import type { MlScore } from '@adnova/core/ml-scores/ml-scores.schema';
import { generateWorkload, LOCATIONS, seededRandom } from '../workload/workload.ts';

/** How big a simulated world is. `requests` is the total over all days, split evenly. */
export type SimulationSize = {
  clients: number;
  advertisers: number;
  campaigns: number;
  days: number;
  requests: number;
  /** Share of (client, advertiser) pairs that have an ML score, in [0, 1]. */
  scoreDensity: number;
};

/**
 * Named sizes. `default` finishes in well under two minutes on two cores with the in-process
 * engine (PGlite in memory); the engine's cost dominates, the reference is instant.
 */
export const SIMULATION_SIZES = {
  small: { clients: 300, advertisers: 10, campaigns: 30, days: 3, requests: 2_000, scoreDensity: 0.25 },
  default: {
    clients: 2_000,
    advertisers: 40,
    campaigns: 120,
    days: 5,
    requests: 20_000,
    scoreDensity: 0.25,
  },
  large: {
    clients: 10_000,
    advertisers: 100,
    campaigns: 500,
    days: 7,
    requests: 100_000,
    scoreDensity: 0.1,
  },
} as const satisfies Record<string, SimulationSize>;

export type SimulationSizeName = keyof typeof SIMULATION_SIZES;

/**
 * Total impression capacity (Σ impressions_limit) as a share of all requests. Below 1 the
 * inventory is scarce, so limits bind for many campaigns and pacing and over-limit behaviour
 * actually differ between policies.
 */
const CAPACITY_SHARE = 0.6;

/** A campaign as the simulator knows it: the API input plus its advertiser's index. */
export type SimulationCampaign = {
  advertiser: number;
  advertiser_id: string;
  campaign: CreateCampaignInput;
};

/**
 * One `GET /ads`. `u` is the request's uniform click draw in [0, 1): the client clicks the
 * shown ad iff `u < clickProbability(score)`, so every policy faces the same randomness and only
 * its choice of ad changes the outcome.
 */
export type SimulationRequest = { client: number; u: number };

export type SimulationWorkload = {
  seed: number;
  size: SimulationSize;
  clients: Client[];
  advertisers: Advertiser[];
  /** In creation order: index = the simulator's campaign id, and the reference's tie-break. */
  campaigns: SimulationCampaign[];
  mlScores: MlScore[];
  /** ML score by `client * advertisers.length + advertiser`; absent pairs score 0. */
  scores: ReadonlyMap<number, number>;
  /** `requests[day]`: that day's requests, in order. */
  requests: SimulationRequest[][];
};

/**
 * The click model: a logistic curve in score / 10 000 (the data set's scores span 2..10 000),
 * p(0) ≈ 2 %, p(5 000) ≈ 7.6 %, p(10 000) ≈ 25 %. Strictly increasing, so showing relevant ads
 * earns more clicks; the engine's own prior (`select-ad.ts`) is deliberately a different curve.
 */
export function clickProbability(score: number): number {
  const x = -3.9 + 2.8 * (Math.max(0, score) / 10_000);
  return 1 / (1 + Math.exp(-x));
}

export function mlScoreOf(w: SimulationWorkload, client: number, advertiser: number): number {
  return w.scores.get(client * w.advertisers.length + advertiser) ?? 0;
}

/** Spec §4.2, written independently of the engine's `matchesTargeting` so the check is a real one. */
export function targetingMatches(campaign: CreateCampaignInput, client: Client): boolean {
  const t = campaign.targeting;
  if (!t) return true;
  return (
    (t.gender == null || t.gender === 'ALL' || t.gender === client.gender) &&
    (t.age_from == null || t.age_from <= client.age) &&
    (t.age_to == null || client.age <= t.age_to) &&
    (t.location == null || t.location === client.location)
  );
}

export function isActiveOn(campaign: CreateCampaignInput, day: number): boolean {
  return campaign.start_date <= day && day <= campaign.end_date;
}

/** Independent PRNG streams per purpose, so changing one part of the world leaves the others. */
export function streamSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(stream, 0x85ebca6b)) >>> 0;
}

const STREAM = { campaigns: 1, activity: 2, requests: 3 } as const;

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * A deterministic world for one seed: clients, advertisers and ML scores from `generateWorkload`,
 * campaigns of its own (limits sized against demand, see CAPACITY_SHARE), skewed client
 * activity, and the request stream with its click draws. Pure.
 */
export function generateSimulationWorkload(size: SimulationSize, seed: number): SimulationWorkload {
  const base = generateWorkload(
    {
      clients: size.clients,
      advertisers: size.advertisers,
      campaigns: 0,
      mlScores: Math.round(size.clients * size.advertisers * size.scoreDensity),
      days: size.days,
    },
    seed,
  );
  const { clients, advertisers, mlScores } = base;

  // Some clients are much more active than others: weight 1 / (0.05 + r), about 20:1 at most.
  const activity = seededRandom(streamSeed(seed, STREAM.activity));
  const cumulative: number[] = [];
  let totalWeight = 0;
  for (let i = 0; i < clients.length; i++) {
    totalWeight += 1 / (0.05 + activity());
    cumulative.push(totalWeight);
  }
  const drawClient = (r: number): number => {
    const target = r * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const random = seededRandom(streamSeed(seed, STREAM.campaigns));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const drafts = Array.from({ length: size.campaigns }, (_, i) => {
    const advertiser = Math.floor(random() * advertisers.length);
    const start = Math.floor(random() * size.days);
    const end = Math.min(size.days - 1, start + Math.floor(random() * size.days));
    const targeting: CreateCampaignInput['targeting'] =
      random() < 0.4
        ? null
        : {
            gender: random() < 0.3 ? pick(['MALE', 'FEMALE'] as const) : random() < 0.5 ? 'ALL' : null,
            age_from: random() < 0.3 ? 18 + Math.floor(random() * 20) : null,
            age_to: random() < 0.3 ? 40 + Math.floor(random() * 30) : null,
            location: random() < 0.3 ? pick(LOCATIONS) : null,
          };
    const campaign: CreateCampaignInput = {
      impressions_limit: 0,
      clicks_limit: 0,
      cost_per_impression: round2(0.1 + random() * 4.9),
      cost_per_click: round2(1 + random() * 29),
      ad_title: `${(advertisers[advertiser] as Advertiser).name}: offer ${i + 1}`,
      ad_text: `Campaign ${i + 1} of the simulation.`,
      start_date: start,
      end_date: end,
      targeting,
    };
    // Demand this campaign could see: its days × the activity-weighted share of matching clients,
    // times a spread factor so some campaigns fill early and some never do.
    let reach = 0;
    for (let c = 0; c < clients.length; c++) {
      if (targetingMatches(campaign, clients[c] as Client))
        reach += (cumulative[c] ?? 0) - (cumulative[c - 1] ?? 0);
    }
    const weight = (end - start + 1) * (reach / totalWeight) * (0.25 + 1.5 * random());
    return { advertiser, campaign, weight, clickShare: 0.05 + 0.3 * random() };
  });
  const weights = drafts.reduce((sum, d) => sum + d.weight, 0) || 1;
  const campaigns: SimulationCampaign[] = drafts.map(({ advertiser, campaign, weight, clickShare }) => {
    // clicks_limit spans 5–35 % of impressions_limit, as in `generateWorkload`.
    const limit = Math.max(1, Math.round((CAPACITY_SHARE * size.requests * weight) / weights));
    return {
      advertiser,
      advertiser_id: (advertisers[advertiser] as Advertiser).advertiser_id,
      campaign: { ...campaign, impressions_limit: limit, clicks_limit: Math.floor(limit * clickShare) },
    };
  });

  const draws = seededRandom(streamSeed(seed, STREAM.requests));
  const requests: SimulationRequest[][] = Array.from({ length: size.days }, (_, day) => {
    const count =
      Math.floor((size.requests * (day + 1)) / size.days) - Math.floor((size.requests * day) / size.days);
    return Array.from({ length: count }, () => ({ client: drawClient(draws()), u: draws() }));
  });

  return assembleWorkload({ seed, size, clients, advertisers, campaigns, mlScores, requests });
}

/**
 * A workload from its parts, indexing the ML scores; also how tests build small hand-made worlds.
 * Scores naming an unknown client or advertiser are ignored.
 */
export function assembleWorkload(
  parts: Omit<SimulationWorkload, 'scores' | 'size'> & { size?: SimulationSize },
): SimulationWorkload {
  const { clients, advertisers, mlScores, campaigns, requests } = parts;
  const advertiserIndex = new Map(advertisers.map((a, i) => [a.advertiser_id, i]));
  const clientIndex = new Map(clients.map((c, i) => [c.client_id, i]));
  const scores = new Map<number, number>();
  for (const s of mlScores) {
    const c = clientIndex.get(s.client_id);
    const a = advertiserIndex.get(s.advertiser_id);
    if (c !== undefined && a !== undefined) scores.set(c * advertisers.length + a, s.score);
  }
  const size = parts.size ?? {
    clients: clients.length,
    advertisers: advertisers.length,
    campaigns: campaigns.length,
    days: requests.length,
    requests: requests.reduce((n, day) => n + day.length, 0),
    scoreDensity: mlScores.length / Math.max(1, clients.length * advertisers.length),
  };
  return { ...parts, size, scores };
}
