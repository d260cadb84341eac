import { createAdnovaPolicy } from './adnova.policy.ts';
import { createAdnovaHttpPolicy } from './adnova-http.policy.ts';
import { type CeilingBounds, computeCeiling } from './ceiling.ts';
import {
  computeMetrics,
  type PolicyMetrics,
  type TraceEvent,
  withBaselineRatios,
  withCeilingShares,
} from './metrics.ts';
import type { LoadProgress, Policy } from './policy.ts';
import { createReferencePolicy } from './reference.policy.ts';
import { clickProbability, mlScoreOf, type SimulationWorkload } from './simulation-workload.ts';

/** `adnova` is the engine with its selection planner (as in production), `adnova-greedy` without. */
export const POLICY_NAMES = ['reference', 'adnova', 'adnova-greedy', 'adnova-http'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * Progress of a run: a policy's load and replay, request by request, or the ceiling's two LPs
 * (`policy: 'ceiling'`, phase `solve`, done = LPs finished of 2).
 */
export type SimulationProgress = {
  policy: string;
  phase: 'load' | 'run' | 'solve';
  done: number;
  total: number;
};

export type SimulationOptions = {
  policies: readonly PolicyName[];
  /** Base URL of a running AdNova, required for `adnova-http`. */
  httpUrl?: string | undefined;
  onProgress?: ((progress: SimulationProgress) => void) | undefined;
  /** Compute the revenue ceiling (`ceiling.ts`, about 40 s at `--size default`); default true. */
  ceiling?: boolean | undefined;
};

/** The workload's revenue bounds (see `CeilingBounds`), null when not asked for. */
export type SimulationCeiling = Pick<
  CeilingBounds,
  'expected' | 'hindsight' | 'solveMs' | 'variables' | 'rows'
>;

export type SimulationResult = {
  seed: number;
  size: SimulationWorkload['size'];
  ceiling: SimulationCeiling | null;
  results: PolicyMetrics[];
};

function openPolicy(
  name: PolicyName,
  w: SimulationWorkload,
  options: SimulationOptions,
  onLoad: LoadProgress,
): Promise<Policy> {
  switch (name) {
    case 'reference':
      return Promise.resolve(createReferencePolicy(w));
    case 'adnova':
      return createAdnovaPolicy(w, onLoad);
    case 'adnova-greedy':
      return createAdnovaPolicy(w, onLoad, { planner: false });
    case 'adnova-http':
      if (!options.httpUrl) throw new Error('the adnova-http policy needs a server URL (--http URL)');
      return createAdnovaHttpPolicy(w, options.httpUrl, onLoad);
  }
}

/**
 * Replays the workload's days against one policy, strictly in order (the outcome of a request
 * depends on every earlier one). A shown ad is clicked iff the request's draw `u` is below the
 * click probability of (client, advertiser), and only once per (client, campaign).
 */
export async function replay(
  w: SimulationWorkload,
  policy: Policy,
  onRequest?: (done: number) => void,
): Promise<TraceEvent[]> {
  const trace: TraceEvent[] = [];
  const clicked = new Set<number>();
  for (const [day, requests] of w.requests.entries()) {
    if (day > 0) await policy.advanceDay(day);
    for (const { client, u } of requests) {
      const campaign = await policy.serve(client);
      let click = false;
      if (campaign !== null) {
        const pair = client * w.campaigns.length + campaign;
        const advertiser = w.campaigns[campaign]?.advertiser ?? -1;
        if (!clicked.has(pair) && u < clickProbability(mlScoreOf(w, client, advertiser))) {
          clicked.add(pair);
          click = true;
          await policy.click(campaign, client);
        }
      }
      trace.push({ day, client, campaign, clicked: click });
      onRequest?.(trace.length);
    }
  }
  return trace;
}

/**
 * Computes the ceiling, then runs each policy in turn (never concurrently: they would compete for
 * the CPU being timed).
 */
export async function simulate(w: SimulationWorkload, options: SimulationOptions): Promise<SimulationResult> {
  const total = w.requests.reduce((n, day) => n + day.length, 0);
  let ceiling: SimulationCeiling | null = null;
  if (options.ceiling ?? true) {
    const report = (done: number) =>
      options.onProgress?.({ policy: 'ceiling', phase: 'solve', done, total: 2 });
    const bounds = await computeCeiling(w, (kind) => report(kind === 'expected' ? 0 : 1));
    report(2);
    const { expected, hindsight, solveMs, variables, rows } = bounds;
    ceiling = { expected, hindsight, solveMs, variables, rows };
  }
  const results: PolicyMetrics[] = [];
  for (const name of options.policies) {
    const progress = (phase: SimulationProgress['phase'], done: number, of: number) =>
      options.onProgress?.({ policy: name, phase, done, total: of });
    const loadStart = performance.now();
    const policy = await openPolicy(name, w, options, (done, of) => progress('load', done, of));
    const loadMs = performance.now() - loadStart;
    try {
      const runStart = performance.now();
      progress('run', 0, total);
      const trace = await replay(w, policy, (done) => progress('run', done, total));
      const runMs = performance.now() - runStart;
      results.push({
        policy: name,
        ...computeMetrics(w, trace),
        runMs,
        loadMs,
        revenueRatio: null,
        relevanceRatio: null,
        ceilingShare: null,
      });
    } finally {
      await policy.close();
    }
  }
  return {
    seed: w.seed,
    size: w.size,
    ceiling,
    results: withCeilingShares(withBaselineRatios(results), ceiling?.expected ?? null),
  };
}
