import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { LpModel, LpSolution } from '../shared/lp.ts';
import { seededRandom } from '../shared/random.ts';
import type { ClickModel } from './click-model.ts';
import {
  addClientTraffic,
  claimPlanning,
  loadClientActivity,
  loadPacing,
  loadPlanCampaigns,
  loadPlanState,
  loadPrices,
  loadSampledClients,
  loadTraffic,
  pruneClientTraffic,
  releasePlanning,
  storePlan,
} from './planner.repo.ts';
import {
  buildPlanModel,
  nextPace,
  type PacingRecord,
  PLANNER,
  type PlanClient,
  type PlanInput,
  plannedRates,
  pricesFrom,
  type ShadowPrices,
} from './planner.ts';

/**
 * The running side of the planner (`planner.ts` has the model): the in-process price book every
 * request reads, the traffic counter that feeds demand, and the background loop that re-plans.
 */

/** The current plan's prices in process, reloaded when the stored version changes (like the catalog). */
export type PriceBook = {
  get(db: Db, version: number): Promise<ReadonlyMap<string, ShadowPrices>>;
  /** The plan version this process ranks with now (0: none yet). */
  version(): number;
};

const NO_PRICES: ReadonlyMap<string, ShadowPrices> = new Map();

export function createPriceBook(): PriceBook {
  let current = { version: 0, prices: NO_PRICES };
  let loading: { version: number; promise: Promise<ReadonlyMap<string, ShadowPrices>> } | undefined;
  return {
    async get(db, version) {
      if (version === current.version) return current.prices;
      if (loading?.version === version) return loading.promise;
      const promise = loadPrices(db).then((loaded) => {
        // An older answer must not replace a newer plan.
        if (loaded.version >= current.version) current = loaded;
        return loaded.prices;
      });
      loading = { version, promise };
      try {
        return await promise;
      } finally {
        if (loading?.version === version) loading = undefined;
      }
    },
    version: () => current.version,
  };
}

/**
 * Requests this process served per (client, day), added to `client_traffic` by `flush` (the
 * planner's tick). At most `limit` pairs wait in memory: past it (the database unreachable for
 * long), new pairs are dropped — they are a demand estimate, not a record.
 */
export type TrafficCounter = {
  note(day: number, clientId: string): void;
  flush(db: Db): Promise<void>;
};

export function createTrafficCounter(limit = 200_000): TrafficCounter {
  let counts = new Map<string, number>();
  return {
    note(day, clientId) {
      const key = `${day}|${clientId}`;
      const n = counts.get(key);
      if (n !== undefined) counts.set(key, n + 1);
      else if (counts.size < limit) counts.set(key, 1);
    },
    async flush(db) {
      if (counts.size === 0) return;
      const batch = counts;
      counts = new Map();
      try {
        await addClientTraffic(
          db,
          [...batch].map(([key, requests]) => {
            const [day, clientId] = key.split('|');
            return { day: Number(day), clientId: clientId ?? '', requests };
          }),
        );
      } catch (error) {
        // Not lost: counted again with the next flush.
        for (const [key, n] of batch) counts.set(key, (counts.get(key) ?? 0) + n);
        throw error;
      }
    },
  };
}

/**
 * Requests per day from the traffic seen: the mean of the last completed days (up to a week); today
 * what is left of that mean, at least a tenth of it. Before any day has completed, today is
 * assumed half over. Zero without traffic: no plan.
 */
export function estimateDemand(traffic: ReadonlyMap<number, number>, day: number): PlanInput['demand'] {
  const soFar = traffic.get(day) ?? 0;
  const past: number[] = [];
  for (let d = day - 1; d >= Math.max(0, day - 7); d--) {
    const n = traffic.get(d) ?? 0;
    if (n > 0) past.push(n);
  }
  if (past.length === 0) return { today: soFar, perDay: 2 * soFar };
  const perDay = past.reduce((a, b) => a + b, 0) / past.length;
  return { today: Math.max(perDay - soFar, perDay / 10), perDay };
}

/**
 * Systematic sample of `size` indices with probability ∝ weight (a heavy client can be drawn more
 * than once). Pure given `random`.
 */
export function sampleByWeight(weights: readonly number[], size: number, random: () => number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || size <= 0) return [];
  const step = total / size;
  let target = random() * step;
  let acc = 0;
  const drawn: number[] = [];
  for (let i = 0; i < weights.length && drawn.length < size; i++) {
    acc += weights[i] as number;
    while (target < acc && drawn.length < size) {
      drawn.push(i);
      target += step;
    }
  }
  return drawn;
}

export type PlannerSolve = (model: LpModel) => Promise<Pick<LpSolution, 'rowDuals' | 'values' | 'solveMs'>>;

export type PlanOutcome =
  | {
      kind: 'planned';
      version: number;
      campaigns: number;
      priced: number;
      variables: number;
      solveMs: number;
    }
  | { kind: 'current' }
  | { kind: 'busy' }
  | { kind: 'failed'; error: unknown };

export type SelectionPlanner = {
  /**
   * Flushes this process's traffic and re-plans if the stored plan is for another day or
   * catalog, or older than the interval (by this planner's clock) — and no other process is
   * planning. Never throws.
   */
  tick(): Promise<PlanOutcome>;
  /** Runs `tick` every `checkMs` in the background until `stop`. */
  start(): void;
  stop(): Promise<void>;
};

export type SelectionPlannerOptions = {
  intervalMs: number;
  checkMs: number;
  /** Milliseconds (or any monotone count: the simulator passes its request count). */
  now: () => number;
  solve: PlannerSolve;
  log?: Logger;
  /** How long a claim to plan holds if its process dies. */
  leaseSeconds?: number;
};

export function createSelectionPlanner(
  deps: { db: Db; traffic: TrafficCounter; clickModel: ClickModel },
  options: SelectionPlannerOptions,
): SelectionPlanner {
  const owner = randomUUID();
  const leaseSeconds = options.leaseSeconds ?? 60;
  let seenVersion = -1;
  let seenAt = options.now();
  let running: Promise<PlanOutcome> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const plan = async (version: number, day: number, catalogVersion: number): Promise<PlanOutcome> => {
    if (!(await claimPlanning(deps.db, owner, version, leaseSeconds))) return { kind: 'busy' };
    try {
      const lastDay = day + PLANNER.horizonDays - 1;
      await pruneClientTraffic(deps.db, day - 7);
      const [campaigns, traffic, activity, click, pacing] = await Promise.all([
        loadPlanCampaigns(deps.db, day, lastDay),
        loadTraffic(deps.db, Math.max(0, day - 7), day),
        loadClientActivity(deps.db, Math.max(0, day - 6)),
        deps.clickModel.get(deps.db),
        loadPacing(deps.db),
      ]);
      const demand = estimateDemand(traffic, day);
      // A client's weight: its requests of the last week plus a prior, half the mean, so clients
      // not seen lately still count.
      const mean = activity.reduce((n, a) => n + a.recent, 0) / Math.max(1, activity.length);
      const prior = mean / 2 + 0.1;
      const weights = activity.map((a) => a.recent + prior);
      const draws = sampleByWeight(weights, PLANNER.sampleSize, seededRandom(version * 7919 + day));
      const loaded = new Map(
        (await loadSampledClients(deps.db, [...new Set(draws.map((i) => activity[i]?.id ?? ''))])).map(
          (c) => [c.id, c],
        ),
      );
      const sample: PlanClient[] = [];
      for (const i of draws) {
        const c = loaded.get(activity[i]?.id ?? '');
        if (c)
          sample.push({
            ...c,
            seen: new Set(c.seen),
            clicked: new Set(c.clicked),
            weight: weights[i] as number,
          });
      }
      const input: PlanInput = {
        day,
        campaigns,
        sample,
        totalWeight: weights.reduce((a, b) => a + b, 0),
        demand,
        click,
      };
      const model = buildPlanModel(input);
      const solution = demand.perDay > 0 ? await options.solve(model.lp) : undefined;
      // The LP's prices, each impression price times the campaign's pacing share.
      const lpPrices = solution ? pricesFrom(campaigns, model, solution) : new Map<string, ShadowPrices>();
      const rates = solution ? plannedRates(campaigns, model, solution, day, demand.today) : [];
      const requestsToday = traffic.get(day) ?? 0;
      const prices = new Map<string, ShadowPrices & PacingRecord>();
      for (const [n, c] of campaigns.entries()) {
        const price = lpPrices.get(c.id);
        if (!price) continue;
        const record = { day, requestsToday, impressionsLeft: c.impressionsLeft };
        const pace = nextPace(pacing.get(c.id), record);
        prices.set(c.id, {
          ...record,
          pace,
          plannedRate: rates[n] ?? 0,
          impression: price.impression * pace,
          click: price.click,
        });
      }
      const solveMs = solution?.solveMs ?? 0;
      const stored = await storePlan(
        deps.db,
        owner,
        { day, catalogVersion, demand: demand.perDay, solveMs },
        prices,
      );
      if (stored === undefined) return { kind: 'busy' };
      seenVersion = stored;
      seenAt = options.now();
      // An empty plan (no traffic or no campaigns yet) is routine: not worth a line every minute.
      options.log?.[model.lp.variables.length > 0 ? 'info' : 'debug'](
        {
          version: stored,
          day,
          campaigns: campaigns.length,
          priced: [...prices.values()].filter((p) => p.impression > 0 || p.click > 0).length,
          variables: model.lp.variables.length,
          demandPerDay: Math.round(demand.perDay),
          solveMs: Math.round(solveMs),
        },
        'selection plan stored',
      );
      return {
        kind: 'planned',
        version: stored,
        campaigns: campaigns.length,
        priced: prices.size,
        variables: model.lp.variables.length,
        solveMs,
      };
    } catch (error) {
      await releasePlanning(deps.db, owner).catch(() => undefined);
      throw error;
    }
  };

  const tick = async (): Promise<PlanOutcome> => {
    try {
      await deps.traffic.flush(deps.db);
      const state = await loadPlanState(deps.db);
      if (state.version !== seenVersion) {
        seenVersion = state.version;
        seenAt = options.now();
      }
      const due =
        state.version === 0 ||
        state.planDay !== state.day ||
        state.planCatalogVersion !== state.catalogVersion ||
        options.now() - seenAt >= options.intervalMs;
      if (!due) return { kind: 'current' };
      return await plan(state.version, state.day, state.catalogVersion);
    } catch (error) {
      options.log?.warn({ err: error }, 'selection planning failed; ranking keeps the last prices');
      return { kind: 'failed', error };
    }
  };

  return {
    tick() {
      // One tick at a time per process.
      running ??= tick().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void this.tick(), options.checkMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
