import {
  type LpColumn,
  type LpModel,
  type LpRow,
  type LpVariable,
  openLp,
  solveLp,
} from '@adnova/core/shared/lp';
import {
  clickProbability,
  isActiveOn,
  mlScoreOf,
  type SimulationWorkload,
  targetingMatches,
} from './simulation-workload.ts';

/**
 * Upper bounds on the revenue any limit-respecting policy can earn from a workload: linear
 * programs over (client, campaign, day). Both are fluid relaxations: showings may be fractional,
 * the order of requests within a day is ignored (only each day's request count per client
 * matters), and nothing closes a campaign early (the engine stops a campaign at its clicks limit;
 * that only restricts a policy further). Everything a policy must respect is kept: a campaign is
 * shown only on its active days and to clients its targeting matches, one ad per request, CPI for
 * the first impression of each (client, campaign), CPC for its first click, and at most
 * `impressions_limit` paid impressions and `clicks_limit` paid clicks per campaign.
 *
 * - `expected` bounds the expected revenue over the click draws, for the workload's requests: a
 *   policy picks the ad before the request's draw `u` is known, so each showing of campaign k to
 *   client c clicks with probability p[c,k] = clickProbability(score), and P(some click) ≤
 *   E[clicking showings] = p · E[showings] (an equality for a policy that stops at the first
 *   click, so no tighter concave curve holds for adaptive policies). A lucky run can beat it; the
 *   mean over draws cannot.
 * - `hindsight` bounds the realised revenue of this very run, even of a policy that knew every
 *   draw in advance: the requests of (c, day) that would click k are those with u < p[c,k]; as
 *   they are a prefix of the day's requests sorted by u, Hall's condition on these nested sets
 *   caps the clicking showings of every group of campaigns.
 *
 * Both bound `revenueWithinLimits` of any policy, compliant or not (it counts the first
 * `impressions_limit` impressions and `clicks_limit` clicks, all that the limit rows allow), hence
 * the revenue of any policy that never goes over a limit. Neither exceeds Σ over campaigns of
 * CPI · impressions_limit + CPC · clicks_limit, the limits' own value.
 *
 * The full LPs are too large to hand to HiGHS whole (at `--size default`, 585 k variables and
 * 304 k rows for `expected`: its interior point took 312 s and 615 MiB of Wasm memory, its
 * simplex over 15 minutes), so each is solved by decomposition, and what is reported is an upper
 * bound by LP duality at every step, equal to the LP's optimum at convergence (within HiGHS'
 * tolerances, 1e-7): `expected` by Dantzig–Wolfe over clients (`solveExpectedCeiling`),
 * `hindsight` by column generation over (client, campaign) pairs (`solveHindsightCeiling`).
 */
export type CeilingBounds = {
  expected: number;
  hindsight: number;
  /** Wall time of both bounds, ms. */
  solveMs: number;
  /** Variables and rows of the last restricted LPs of both bounds together (what HiGHS held). */
  variables: number;
  rows: number;
  parts: { expected: CeilingStats; hindsight: CeilingStats };
};

export type CeilingStats = {
  bound: number;
  /** The last restricted LP's optimum, a lower bound on the LP's: `bound − lower` is the gap left. */
  lower: number;
  /** Restricted LPs solved. */
  iterations: number;
  variables: number;
  rows: number;
  /** Time inside HiGHS, and in all, ms. */
  lpMs: number;
  totalMs: number;
};

export type CeilingKind = 'expected' | 'hindsight';

/** One (client, campaign) pair that could earn something, with its (client, day) cells. */
type Pair = {
  campaign: number;
  client: number;
  /** CPI when the campaign pays for impressions (price and limit > 0), else 0; CPC likewise. */
  impression: number;
  click: number;
  p: number;
  /** Cells `client * days + day` of the campaign's active days on which the client makes requests. */
  cells: number[];
  /** Hindsight: per cell, n = how many of its requests would click (u < p); all 0 for expected. */
  clicking: number[];
  /** What the pair alone could earn: orders the first restricted LP. */
  alone: number;
};

type Problem = {
  kind: CeilingKind;
  campaigns: SimulationWorkload['campaigns'];
  /** requests[cell]: the client's requests that day. */
  requests: Int32Array;
  pairs: Pair[];
};

function describe(w: SimulationWorkload, kind: CeilingKind): Problem {
  const days = w.requests.length;
  const requests = new Int32Array(w.clients.length * days);
  const draws: number[][] = [];
  w.requests.forEach((dayRequests, d) => {
    for (const { client, u } of dayRequests) {
      const cell = client * days + d;
      requests[cell] = (requests[cell] ?? 0) + 1;
      if (kind !== 'hindsight') continue;
      const list = draws[cell];
      if (list) list.push(u);
      else draws[cell] = [u];
    }
  });
  for (const list of draws) list?.sort((a, b) => a - b);
  const pairs: Pair[] = [];
  w.campaigns.forEach(({ campaign, advertiser }, k) => {
    const activeDays = Array.from({ length: days }, (_, d) => d).filter((d) => isActiveOn(campaign, d));
    const impression =
      campaign.cost_per_impression > 0 && campaign.impressions_limit > 0 ? campaign.cost_per_impression : 0;
    const click = campaign.cost_per_click > 0 && campaign.clicks_limit > 0 ? campaign.cost_per_click : 0;
    if (activeDays.length === 0 || impression + click === 0) return;
    w.clients.forEach((profile, c) => {
      if (!targetingMatches(campaign, profile)) return;
      const cells = activeDays.map((d) => c * days + d).filter((cell) => (requests[cell] ?? 0) > 0);
      if (cells.length === 0) return;
      const p = clickProbability(mlScoreOf(w, c, advertiser));
      const clicking = cells.map((cell) => {
        if (kind === 'expected' || click === 0) return 0;
        const list = draws[cell] ?? [];
        let n = 0;
        while (n < list.length && (list[n] ?? 1) < p) n++;
        return n;
      });
      const showings = cells.reduce((n, cell) => n + (requests[cell] ?? 0), 0);
      const clicks = kind === 'expected' ? Math.min(1, p * showings) : clicking.some((n) => n > 0) ? 1 : 0;
      if (impression + click * clicks === 0) return;
      pairs.push({
        campaign: k,
        client: c,
        impression,
        click,
        p,
        cells,
        clicking,
        alone: impression + click * clicks,
      });
    });
  });
  return { kind, campaigns: w.campaigns, requests, pairs };
}

/** Σ over campaigns of CPI · impressions_limit + CPC · clicks_limit: no policy earns more within limits. */
export function limitsValue(w: SimulationWorkload): number {
  return w.campaigns.reduce(
    (sum, { campaign: c }) =>
      sum + c.cost_per_impression * c.impressions_limit + c.cost_per_click * c.clicks_limit,
    0,
  );
}

/** Where the rows a pricing step reads ended up in a restricted LP. */
type RowIndex = {
  capacity: Map<number, number>;
  /** Per cell: its Hall rows as (m, row), m ascending. */
  hall: Map<number, { m: number; row: number }[]>;
  impressions: Int32Array;
  clicks: Int32Array;
};

/**
 * The LP over the chosen pairs:
 * - per pair, y ≤ 1 (first impression, pays CPI) and z ≤ 1 (first click, pays CPC); per cell of the
 *   pair, x ≥ 0 showings; y ≤ Σ x; expected: z ≤ p · Σ x; hindsight: x splits into showings on the
 *   n requests that would click (≤ n) and on the r − n others (≤ r − n), and z ≤ Σ clicking ones;
 * - per cell, Σ showings ≤ r (one ad per request); hindsight, per cell and each distinct n = m,
 *   the clicking showings of all pairs with n ≤ m sum to at most m (Hall), left out where that
 *   cannot bind;
 * - per campaign, Σ y ≤ impressions_limit, Σ z ≤ clicks_limit.
 */
function buildLp(problem: Problem, chosen: (i: number) => boolean): { lp: LpModel; rows: RowIndex } {
  const { kind, campaigns, requests, pairs } = problem;
  const variables: LpVariable[] = [];
  const rows: LpRow[] = [];
  const add = (v: LpVariable): number => variables.push(v) - 1;
  const showings = new Map<number, number[]>();
  const clicking = new Map<number, { variable: number; n: number }[]>();
  const push = <T>(map: Map<number, T[]>, key: number, item: T) => {
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  };
  const firstImpressions = campaigns.map((): number[] => []);
  const firstClicks = campaigns.map((): number[] => []);

  pairs.forEach((pair, i) => {
    if (!chosen(i)) return;
    const clicks = pair.click > 0 && (kind === 'expected' || pair.clicking.some((n) => n > 0));
    const y = pair.impression > 0 ? add({ objective: pair.impression, upper: 1 }) : -1;
    const z = clicks ? add({ objective: pair.click, upper: 1 }) : -1;
    const yRow = { variables: [y], coefficients: [1], upper: 0 };
    const zRow = { variables: [z], coefficients: [1], upper: 0 };
    pair.cells.forEach((cell, j) => {
      const r = requests[cell] ?? 0;
      const n = pair.clicking[j] ?? 0;
      if (r - n > 0) {
        const x = add({ objective: 0, upper: r - n });
        push(showings, cell, x);
        yRow.variables.push(x);
        yRow.coefficients.push(-1);
        if (kind === 'expected' && clicks) {
          zRow.variables.push(x);
          zRow.coefficients.push(-pair.p);
        }
      }
      if (n > 0) {
        const x = add({ objective: 0, upper: n });
        push(showings, cell, x);
        push(clicking, cell, { variable: x, n });
        yRow.variables.push(x);
        yRow.coefficients.push(-1);
        zRow.variables.push(x);
        zRow.coefficients.push(-1);
      }
    });
    if (y >= 0) {
      rows.push(yRow);
      firstImpressions[pair.campaign]?.push(y);
    }
    if (z >= 0) {
      rows.push(zRow);
      firstClicks[pair.campaign]?.push(z);
    }
  });

  const index: RowIndex = {
    capacity: new Map(),
    hall: new Map(),
    impressions: new Int32Array(campaigns.length).fill(-1),
    clicks: new Int32Array(campaigns.length).fill(-1),
  };
  const sumRow = (members: number[], upper: number): number =>
    rows.push({ variables: members, coefficients: members.map(() => 1), upper }) - 1;
  campaigns.forEach(({ campaign }, k) => {
    const ys = firstImpressions[k] ?? [];
    const zs = firstClicks[k] ?? [];
    if (ys.length > 0) index.impressions[k] = sumRow(ys, campaign.impressions_limit);
    if (zs.length > 0) index.clicks[k] = sumRow(zs, campaign.clicks_limit);
  });
  for (const [cell, list] of showings) index.capacity.set(cell, sumRow(list, requests[cell] ?? 0));
  // The requests that would click k are the n_k smallest draws of the cell, so the pairs with
  // n_k ≤ m share m requests. Only each distinct n matters; a set whose bounds sum to at most m,
  // or m = r (the capacity row), adds nothing.
  for (const [cell, list] of clicking) {
    list.sort((a, b) => a.n - b.n);
    const hall: { m: number; row: number }[] = [];
    let boundSum = 0;
    list.forEach((entry, i) => {
      boundSum += entry.n;
      if (list[i + 1]?.n === entry.n) return;
      if (boundSum > entry.n && entry.n < (requests[cell] ?? 0))
        hall.push({
          m: entry.n,
          row: sumRow(
            list.slice(0, i + 1).map((e) => e.variable),
            entry.n,
          ),
        });
    });
    if (hall.length > 0) index.hall.set(cell, hall);
  }
  return { lp: { sense: 'maximize', variables, rows }, rows: index };
}

/** The full LP of one bound, every pair included: for tests and for measuring its size. */
export function buildCeilingLp(w: SimulationWorkload, kind: CeilingKind): LpModel {
  return buildLp(describe(w, kind), () => true).lp;
}

/**
 * What a left-out pair could add to the hindsight LP at the restricted LP's duals: the best of its
 * own small LP (y ≤ 1, z ≤ 1 and its showings, without the showings' upper bounds), with the
 * limits' duals charged per impression and click and its cells' duals per showing. Giving the
 * pair's y- and z-rows the duals of that small LP, and the rows the restricted LP lacks 0, makes
 * the restricted LP's dual feasible for the full one at this extra cost (weak duality).
 */
function pricePair(problem: Problem, pair: Pair, rows: RowIndex, duals: Float64Array): number {
  const dual = (row: number | undefined): number =>
    row === undefined || row < 0 ? 0 : Math.max(0, duals[row] ?? 0);
  const a = Math.max(0, pair.impression - dual(rows.impressions[pair.campaign]));
  const b = Math.max(0, pair.click - dual(rows.clicks[pair.campaign]));
  // A showing on a request that would not click costs its cell's capacity dual; one on a request
  // that would, also the duals of the cell's Hall rows it belongs to (those with m ≥ n).
  let plain = Number.POSITIVE_INFINITY;
  let clicking = Number.POSITIVE_INFINITY;
  pair.cells.forEach((cell, j) => {
    const n = pair.clicking[j] ?? 0;
    const capacity = dual(rows.capacity.get(cell));
    if ((problem.requests[cell] ?? 0) - n > 0) plain = Math.min(plain, capacity);
    if (n > 0) {
      let hall = 0;
      for (const h of rows.hall.get(cell) ?? []) if (h.m >= n) hall += dual(h.row);
      clicking = Math.min(clicking, capacity + hall);
    }
  });
  // One showing suffices: a plain one earns a, a clicking one a + b (both pay at most once).
  return Math.max(0, a - plain, a + b - clicking);
}

/** Pairs priced above this (currency units) join the next restricted LP. */
const PRICE_EPSILON = 1e-7;
/** At most this many new pairs per client per round, the best priced first. */
const PAIRS_PER_CLIENT_ROUND = 8;
/** Rounds of either decomposition before it stops with the bound it has (never reached so far). */
const MAX_ROUNDS = 100;

/**
 * The hindsight bound by column generation: a restricted LP over the pairs that could earn most
 * alone, then, round by round, the left-out pairs that could still add revenue at its duals, until
 * none can. The bound is the restricted optimum plus what all left-out pairs could add.
 */
export async function solveHindsightCeiling(w: SimulationWorkload): Promise<CeilingStats> {
  const start = performance.now();
  const problem = describe(w, 'hindsight');
  const { pairs, requests } = problem;
  // First round: per client, its pairs by what each earns alone, as many as its busiest pair's
  // requests plus a margin (a client cannot take more first impressions than it makes requests).
  const chosen = new Uint8Array(pairs.length);
  const byClient = new Map<number, number[]>();
  pairs.forEach((pair, i) => {
    const list = byClient.get(pair.client);
    if (list) list.push(i);
    else byClient.set(pair.client, [i]);
  });
  for (const list of byClient.values()) {
    list.sort((i, j) => (pairs[j]?.alone ?? 0) - (pairs[i]?.alone ?? 0));
    let most = 0;
    for (const i of list) {
      const cells = pairs[i]?.cells ?? [];
      most = Math.max(
        most,
        cells.reduce((n, cell) => n + (requests[cell] ?? 0), 0),
      );
    }
    for (const i of list.slice(0, most + 4)) chosen[i] = 1;
  }

  let lpMs = 0;
  let iterations = 0;
  for (;;) {
    const { lp, rows } = buildLp(problem, (i) => chosen[i] === 1);
    const solution = await solveLp(lp);
    lpMs += solution.solveMs;
    iterations++;
    let extra = 0;
    const candidates = new Map<number, { i: number; value: number }[]>();
    pairs.forEach((pair, i) => {
      if (chosen[i] === 1) return;
      const value = pricePair(problem, pair, rows, solution.rowDuals);
      extra += value;
      if (value <= PRICE_EPSILON) return;
      const list = candidates.get(pair.client);
      if (list) list.push({ i, value });
      else candidates.set(pair.client, [{ i, value }]);
    });
    if (candidates.size === 0 || iterations >= MAX_ROUNDS)
      return {
        bound: Math.min(solution.objective + extra, limitsValue(w)),
        lower: solution.objective,
        iterations,
        variables: lp.variables.length,
        rows: lp.rows.length,
        lpMs,
        totalMs: performance.now() - start,
      };
    for (const list of candidates.values()) {
      list.sort((x, y) => y.value - x.value);
      for (const { i } of list.slice(0, PAIRS_PER_CLIENT_ROUND)) chosen[i] = 1;
    }
  }
}

/** Both bounds, one after the other; `onStep` hears which one starts. */
export async function computeCeiling(
  w: SimulationWorkload,
  onStep?: (kind: CeilingKind) => void,
): Promise<CeilingBounds> {
  const start = performance.now();
  onStep?.('expected');
  const expected = await solveExpectedCeiling(w);
  onStep?.('hindsight');
  const hindsight = await solveHindsightCeiling(w);
  return {
    expected: expected.bound,
    hindsight: hindsight.bound,
    solveMs: performance.now() - start,
    variables: expected.variables + hindsight.variables,
    rows: expected.rows + hindsight.rows,
    parts: { expected, hindsight },
  };
}

/** One client's side of the expected bound: its requests per day and its pairs' day windows. */
type ClientBlock = {
  requests: number[];
  pairs: { campaign: number; impression: number; click: number; p: number; lo: number; hi: number }[];
};

/** A point of one client's polytope: its first impressions and clicks per campaign. */
type ClientPlan = { client: number; revenue: number; y: Map<number, number>; z: Map<number, number> };

/**
 * The client's best plan at prices λ (per impression) and μ (per click) charged on top of the
 * campaigns' own: max Σ (CPI − λ) y + (CPC − μ) z over its showings. Exact, by the greedy
 * algorithm: the gain of campaign k is concave in its showings s, (CPI − λ)⁺ + (CPC − μ)⁺ p per
 * showing up to 1, then (CPC − μ)⁺ p up to 1/p; the showing totals a client's days allow form a
 * polymatroid (each campaign reaches an interval of days; by Hall's theorem on such intervals,
 * totals are feasible iff every interval J of days holds the campaigns whose windows lie in J),
 * and greedy by gain per showing maximises a linear function over a polymatroid.
 */
function bestPlan(
  block: ClientBlock,
  client: number,
  lambda: Float64Array,
  mu: Float64Array,
): { value: number; plan: ClientPlan } {
  const days = block.requests.length;
  // slack[i * days + j]: requests of days i..j not yet taken by campaigns whose windows lie there.
  const slack = new Float64Array(days * days);
  for (let i = 0; i < days; i++) {
    let sum = 0;
    for (let j = i; j < days; j++) {
      sum += block.requests[j] ?? 0;
      slack[i * days + j] = sum;
    }
  }
  const segments: { pair: number; gain: number; cap: number }[] = [];
  block.pairs.forEach((pair, index) => {
    const a = Math.max(0, pair.impression - (lambda[pair.campaign] ?? 0));
    const b = Math.max(0, pair.click - (mu[pair.campaign] ?? 0));
    if (a + b * pair.p > 0) segments.push({ pair: index, gain: a + b * pair.p, cap: 1 });
    if (b > 0 && pair.p < 1) segments.push({ pair: index, gain: b * pair.p, cap: 1 / pair.p - 1 });
  });
  segments.sort((s, t) => t.gain - s.gain);
  const showings = new Float64Array(block.pairs.length);
  let value = 0;
  for (const { pair: index, gain, cap } of segments) {
    const { lo, hi } = block.pairs[index] as ClientBlock['pairs'][number];
    let amount = cap;
    for (let i = 0; i <= lo; i++)
      for (let j = hi; j < days; j++) amount = Math.min(amount, slack[i * days + j] ?? 0);
    if (amount <= 0) continue;
    for (let i = 0; i <= lo; i++)
      for (let j = hi; j < days; j++) slack[i * days + j] = (slack[i * days + j] ?? 0) - amount;
    showings[index] = (showings[index] ?? 0) + amount;
    value += gain * amount;
  }
  const plan: ClientPlan = { client, revenue: 0, y: new Map(), z: new Map() };
  block.pairs.forEach((pair, index) => {
    const s = showings[index] ?? 0;
    if (s <= 0) return;
    // Charge only what pays at these prices, so the plan uses no limit it does not earn from.
    if (pair.impression - (lambda[pair.campaign] ?? 0) > 0) {
      plan.y.set(pair.campaign, Math.min(1, s));
      plan.revenue += pair.impression * Math.min(1, s);
    }
    if (pair.click - (mu[pair.campaign] ?? 0) > 0) {
      plan.z.set(pair.campaign, Math.min(1, pair.p * s));
      plan.revenue += pair.click * Math.min(1, pair.p * s);
    }
  });
  return { value, plan };
}

function clientBlocks(w: SimulationWorkload, problem: Problem): Map<number, ClientBlock> {
  const days = w.requests.length;
  const blocks = new Map<number, ClientBlock>();
  for (const pair of problem.pairs) {
    let block = blocks.get(pair.client);
    if (!block) {
      block = {
        requests: Array.from({ length: days }, (_, d) => problem.requests[pair.client * days + d] ?? 0),
        pairs: [],
      };
      blocks.set(pair.client, block);
    }
    const { start_date, end_date } = (w.campaigns[pair.campaign] as SimulationWorkload['campaigns'][number])
      .campaign;
    block.pairs.push({
      campaign: pair.campaign,
      impression: pair.impression,
      click: pair.click,
      p: pair.p,
      lo: Math.max(0, start_date),
      hi: Math.min(days - 1, end_date),
    });
  }
  return blocks;
}

/**
 * The expected bound by Dantzig–Wolfe decomposition: the LP couples clients only through the
 * campaigns' two limits, so a restricted LP mixes each client's plans (weights summing to at most
 * 1) under the limits, its duals λ, μ price the limits, and every client's best plan at those
 * prices (`bestPlan`, exact) joins the mix, until no plan improves on it. At any λ, μ ≥ 0,
 * Σ λ · impressions_limit + μ · clicks_limit + Σ over clients of the best plan's value is an upper
 * bound (Lagrangian duality); the lowest found is reported. The restricted LP stays in HiGHS
 * between rounds, so each round re-solves from the last basis.
 */
export async function solveExpectedCeiling(w: SimulationWorkload): Promise<CeilingStats> {
  const start = performance.now();
  const problem = describe(w, 'expected');
  const blocks = [...clientBlocks(w, problem)];
  const limits = w.campaigns.map(({ campaign }) => campaign);
  const campaigns = limits.length;
  // Rows: impressions limits (0..K−1), clicks limits (K..2K−1), one mix row per client.
  const session = await openLp({
    sense: 'maximize',
    variables: [],
    rows: [
      ...limits.map((c) => ({ variables: [], coefficients: [], upper: c.impressions_limit })),
      ...limits.map((c) => ({ variables: [], coefficients: [], upper: c.clicks_limit })),
      ...blocks.map(() => ({ variables: [], coefficients: [], upper: 1 })),
    ],
  });
  try {
    let lambda = new Float64Array(campaigns);
    let mu = new Float64Array(campaigns);
    let bound = Number.POSITIVE_INFINITY;
    let lower = 0;
    let lpMs = 0;
    let iterations = 0;
    let columns = 0;
    for (;;) {
      let value = 0;
      for (let k = 0; k < campaigns; k++)
        value +=
          (lambda[k] ?? 0) * (limits[k]?.impressions_limit ?? 0) +
          (mu[k] ?? 0) * (limits[k]?.clicks_limit ?? 0);
      const fresh: LpColumn[] = [];
      blocks.forEach(([client, block], b) => {
        const best = bestPlan(block, client, lambda, mu);
        value += best.value;
        if (best.plan.revenue <= 0) return;
        const rows = [2 * campaigns + b];
        const coefficients = [1];
        for (const [k, y] of best.plan.y) {
          rows.push(k);
          coefficients.push(y);
        }
        for (const [k, z] of best.plan.z) {
          rows.push(campaigns + k);
          coefficients.push(z);
        }
        fresh.push({ objective: best.plan.revenue, upper: 1, rows, coefficients });
      });
      bound = Math.min(bound, value, limitsValue(w));
      if (bound - lower <= 1e-9 * Math.max(1, bound) || fresh.length === 0 || iterations >= MAX_ROUNDS)
        return {
          bound,
          lower,
          iterations,
          variables: columns,
          rows: 2 * campaigns + blocks.length,
          lpMs,
          totalMs: performance.now() - start,
        };
      session.addVariables(fresh);
      columns += fresh.length;
      const solution = session.solve();
      lpMs += solution.solveMs;
      iterations++;
      lower = Math.max(lower, solution.objective);
      lambda = Float64Array.from({ length: campaigns }, (_, k) => Math.max(0, solution.rowDuals[k] ?? 0));
      mu = Float64Array.from({ length: campaigns }, (_, k) =>
        Math.max(0, solution.rowDuals[campaigns + k] ?? 0),
      );
    }
  } finally {
    session.close();
  }
}
