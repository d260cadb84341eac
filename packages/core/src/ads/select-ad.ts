/**
 * Ad selection policy v1: every weight and prior in one place (spec §5.4 invariants hold in
 * `ads.ts` and the database; this module only ranks eligible candidates).
 */

/** What the database tells us about one campaign eligible for this client today. */
export type Candidate = {
  campaignId: string;
  advertiserId: string;
  /** Creation order, the final stable tie-break. */
  seq: number;
  costPerImpression: number;
  costPerClick: number;
  /** ML score of (client, advertiser); 0 when absent. */
  score: number;
  seen: boolean;
  clicked: boolean;
};

export const SELECTION = {
  /**
   * Prior click probability as a function of the ML score, before the platform has learned
   * anything: p(score) = base + span · score / (score + halfScore). Monotone in the score, so
   * relevance raises the expected click revenue; bounded in [base, base + span).
   * The data set's scores range over 2..10000.
   */
  clickProbability: { base: 0.01, span: 0.2, halfScore: 2000 },
} as const;

export function clickProbability(score: number): number {
  const { base, span, halfScore } = SELECTION.clickProbability;
  const s = Math.max(0, score);
  return base + (span * s) / (s + halfScore);
}

/**
 * Revenue the platform can still earn by showing this ad to this client: the impression price
 * if the client has not seen it, plus the click price weighted by the click probability if the
 * client has not clicked it.
 */
export function expectedRevenue(c: Candidate): number {
  return (c.seen ? 0 : c.costPerImpression) + (c.clicked ? 0 : c.costPerClick * clickProbability(c.score));
}

/** Candidates best first: expected revenue, then ML score, then creation order. Pure. */
export function rankCandidates(candidates: readonly Candidate[]): Candidate[] {
  const value = new Map(candidates.map((c) => [c, expectedRevenue(c)]));
  return [...candidates].sort(
    (a, b) => (value.get(b) ?? 0) - (value.get(a) ?? 0) || b.score - a.score || a.seq - b.seq,
  );
}
