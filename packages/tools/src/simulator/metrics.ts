import { isActiveOn, mlScoreOf, type SimulationWorkload, targetingMatches } from './simulation-workload.ts';

/** What one request of a run produced: the campaign shown (null for a 404) and whether it was clicked. */
export type TraceEvent = { day: number; client: number; campaign: number | null; clicked: boolean };

/**
 * A policy's results, computed by the simulator from its trace (never from the API's stats) and
 * checked against the workload's own campaign definitions.
 */
export type PolicyMetrics = {
  policy: string;
  requests: number;
  served: number;
  /** served / requests. */
  fillRate: number;
  /** CPI of each first (client, campaign) impression plus CPC of each first click. */
  revenue: number;
  impressionRevenue: number;
  clickRevenue: number;
  /**
   * Revenue counting only impressions and clicks within each campaign's limits (the first
   * `impressions_limit` impressions, the first `clicks_limit` clicks): what a compliant policy
   * could have earned from the same events.
   */
  revenueWithinLimits: number;
  /** Unique (client, campaign) impressions and clicks. */
  impressions: number;
  clicks: number;
  /** Mean ML score of (client, shown ad's advertiser) over served requests; 0 for a missing score. */
  meanRelevance: number;
  /** Σ over campaigns of max(0, unique impressions − impressions_limit). */
  impressionsOverLimit: number;
  /** Σ over campaigns of max(0, unique clicks − clicks_limit). */
  clicksOverLimit: number;
  /** Campaigns whose unique impressions reached impressions_limit: how often the limits bound. */
  campaignsFull: number;
  /** Served ads not active that day or not matching the client's targeting (spec §5.4, first invariant). */
  violations: number;
  /** Wall time of the request replay, and of loading the workload into the policy. */
  runMs: number;
  loadMs: number;
  /** Revenue and relevance over the baseline's; null without a baseline in the run. */
  revenueRatio: number | null;
  relevanceRatio: number | null;
  /**
   * `revenueWithinLimits` over the expected revenue ceiling (`ceiling.ts`): the share of what any
   * compliant policy could earn in expectation that this run earned; null without a ceiling.
   * Within limits, because the ceiling bounds only that (for a compliant policy it is all of its
   * revenue); one lucky run can exceed 1, a policy's mean over click draws cannot.
   */
  ceilingShare: number | null;
};

export type TraceMetrics = Omit<
  PolicyMetrics,
  'policy' | 'runMs' | 'loadMs' | 'revenueRatio' | 'relevanceRatio' | 'ceilingShare'
>;

/** Pure: the metrics of one trace. Repeated impressions and clicks of a pair earn nothing. */
export function computeMetrics(w: SimulationWorkload, trace: readonly TraceEvent[]): TraceMetrics {
  const campaigns = w.campaigns.length;
  const impressionPairs = new Set<number>();
  const clickPairs = new Set<number>();
  const impressionsPer = new Array<number>(campaigns).fill(0);
  const clicksPer = new Array<number>(campaigns).fill(0);
  let served = 0;
  let relevance = 0;
  let impressionRevenue = 0;
  let clickRevenue = 0;
  let revenueWithinLimits = 0;
  let violations = 0;
  for (const e of trace) {
    if (e.campaign === null) continue;
    const c = w.campaigns[e.campaign];
    const client = w.clients[e.client];
    if (!c || !client) throw new Error(`trace names an unknown campaign or client: ${JSON.stringify(e)}`);
    served++;
    relevance += mlScoreOf(w, e.client, c.advertiser);
    if (!isActiveOn(c.campaign, e.day) || !targetingMatches(c.campaign, client)) violations++;
    const pair = e.client * campaigns + e.campaign;
    if (!impressionPairs.has(pair)) {
      impressionPairs.add(pair);
      impressionsPer[e.campaign] = (impressionsPer[e.campaign] ?? 0) + 1;
      impressionRevenue += c.campaign.cost_per_impression;
      if ((impressionsPer[e.campaign] ?? 0) <= c.campaign.impressions_limit)
        revenueWithinLimits += c.campaign.cost_per_impression;
    }
    if (e.clicked && !clickPairs.has(pair)) {
      clickPairs.add(pair);
      clicksPer[e.campaign] = (clicksPer[e.campaign] ?? 0) + 1;
      clickRevenue += c.campaign.cost_per_click;
      if ((clicksPer[e.campaign] ?? 0) <= c.campaign.clicks_limit)
        revenueWithinLimits += c.campaign.cost_per_click;
    }
  }
  let impressionsOverLimit = 0;
  let clicksOverLimit = 0;
  let campaignsFull = 0;
  w.campaigns.forEach((c, i) => {
    const shown = impressionsPer[i] ?? 0;
    impressionsOverLimit += Math.max(0, shown - c.campaign.impressions_limit);
    clicksOverLimit += Math.max(0, (clicksPer[i] ?? 0) - c.campaign.clicks_limit);
    if (shown >= c.campaign.impressions_limit) campaignsFull++;
  });
  return {
    requests: trace.length,
    served,
    fillRate: trace.length > 0 ? served / trace.length : 0,
    revenue: impressionRevenue + clickRevenue,
    impressionRevenue,
    clickRevenue,
    revenueWithinLimits,
    impressions: impressionPairs.size,
    clicks: clickPairs.size,
    meanRelevance: served > 0 ? relevance / served : 0,
    impressionsOverLimit,
    clicksOverLimit,
    campaignsFull,
    violations,
  };
}

/** Fills in each policy's ratios to the named baseline (left null when it did not run). */
export function withBaselineRatios(
  results: readonly PolicyMetrics[],
  baseline = 'reference',
): PolicyMetrics[] {
  const base = results.find((r) => r.policy === baseline);
  const ratio = (x: number, y: number | undefined): number | null =>
    y === undefined ? null : y === 0 ? (x === 0 ? 1 : null) : x / y;
  return results.map((r) => ({
    ...r,
    revenueRatio: ratio(r.revenue, base?.revenue),
    relevanceRatio: ratio(r.meanRelevance, base?.meanRelevance),
  }));
}

/** Fills in each policy's share of the expected ceiling (left null without one). */
export function withCeilingShares(
  results: readonly PolicyMetrics[],
  expected: number | null,
): PolicyMetrics[] {
  return results.map((r) => ({
    ...r,
    ceilingShare: expected === null || expected <= 0 ? null : r.revenueWithinLimits / expected,
  }));
}
