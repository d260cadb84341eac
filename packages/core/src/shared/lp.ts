import { createRequire } from 'node:module';
import type { Highs, InitOptions } from 'highs';

/**
 * A linear-programming solver for our own tools (the simulator's revenue ceiling, the engine's
 * planner), over HiGHS compiled to WebAssembly (`highs` on npm, MIT).
 *
 * Models go to HiGHS as sparse arrays through its structured API, not as CPLEX LP text: that
 * skips the text parser, its rules on names (in 1.15.3 a name such as `y-b` aborts the parse; a
 * 23,000-character line parses fine) and the cost of printing and parsing large models. Variables
 * and rows are plain indices.
 */

/** One variable: its objective coefficient and bounds. `lower` defaults to 0, `upper` to +∞. */
export type LpVariable = { objective: number; lower?: number; upper?: number };

/**
 * One row: `lower ≤ Σ coefficients[i] · x[variables[i]] ≤ upper`, each bound optional (−∞, +∞ when
 * absent). A variable appears at most once per row.
 */
export type LpRow = {
  variables: readonly number[];
  coefficients: readonly number[];
  lower?: number;
  upper?: number;
};

export type LpModel = {
  sense: 'maximize' | 'minimize';
  variables: readonly LpVariable[];
  rows: readonly LpRow[];
};

export type LpSolution = {
  objective: number;
  /** Primal value of each variable, by index. */
  values: Float64Array;
  /**
   * Dual value (shadow price) of each row, by index: the change of the optimal objective per unit
   * the row's binding bound moves up. When maximizing, a binding `≤` row has a dual ≥ 0; a row
   * with slack has 0.
   */
  rowDuals: Float64Array;
  /** Wall time of the solve proper (copying the model into HiGHS and running it), in ms. */
  solveMs: number;
  /** Simplex iterations HiGHS took. */
  iterations: number;
};

export type LpOptions = {
  /** Stop after this many seconds (the solve then throws); unlimited by default. */
  timeLimitSeconds?: number;
};

/** A model HiGHS could not solve to optimality (infeasible, unbounded, time limit, bad input). */
export class LpError extends Error {
  constructor(
    message: string,
    /** HiGHS' model status name (`infeasible`, `unbounded`, `timeLimit`, …), or `invalidInput`. */
    readonly status: string,
  ) {
    super(message);
    this.name = 'LpError';
  }
}

/**
 * Past this much Wasm memory after a solve, the runtime is dropped and the next solve loads a
 * fresh one: Wasm memory only ever grows, so one huge model would otherwise pin its peak for the
 * life of the process. The runtime starts at about 20 MiB; the simulator's revenue ceiling at its
 * default size peaks at about 260 MiB; the build's hard ceiling is 2 GiB.
 */
const RECYCLE_BYTES = 512 * 2 ** 20;

let runtime: Promise<Highs> | undefined;

/** One HiGHS runtime per process, loaded on first use (about 100 ms). Solves are synchronous. */
function loadHighs(): Promise<Highs> {
  // `require`, not `import`: the package's types declare an ES default export but TypeScript reads
  // them as CommonJS (its package.json says "type": "commonjs") and types the default import as
  // the module object, while Node's import gives the loader itself. The CommonJS build's
  // `module.exports` is the loader under both readings.
  if (!runtime) {
    const load = createRequire(import.meta.url)('highs') as (options?: InitOptions) => Promise<Highs>;
    runtime = load();
  }
  return runtime;
}

/** Wasm memory the loaded HiGHS runtime holds now, in bytes; 0 before the first solve. */
export async function lpMemoryBytes(): Promise<number> {
  return runtime ? (await runtime).memoryBytes : 0;
}

/**
 * Solves the model and returns the optimal objective, each variable's value and each row's dual.
 * Throws `LpError` unless HiGHS proves the returned solution optimal. Blocks the event loop for
 * the whole solve (HiGHS runs synchronously, single-threaded); an empty model (no variables)
 * returns objective 0 without loading HiGHS.
 */
export async function solveLp(model: LpModel, options: LpOptions = {}): Promise<LpSolution> {
  if (model.variables.length === 0)
    return {
      objective: 0,
      values: new Float64Array(0),
      rowDuals: new Float64Array(model.rows.length),
      solveMs: 0,
      iterations: 0,
    };
  const session = await openLp(model, options);
  try {
    return session.solve();
  } finally {
    session.close();
  }
}

/** A variable added to an open model, with its coefficients in the model's existing rows. */
export type LpColumn = LpVariable & { rows: readonly number[]; coefficients: readonly number[] };

/**
 * A model kept inside HiGHS between solves, for column generation: add variables, solve again
 * from the last optimal basis instead of from scratch and without copying the model again (how
 * many pivots that saves depends on the model: little for the simulator's ceiling, whose restricted
 * LPs are very degenerate). Holds Wasm memory until `close()`: always close it (try/finally).
 */
export type LpSession = {
  /** As `solveLp`, from the last basis; throws `LpError` unless optimal. */
  solve(): LpSolution;
  /** Appends variables; their indices continue the model's (the first gets `variables.length`). */
  addVariables(columns: readonly LpColumn[]): void;
  /** Releases HiGHS' copy of the model; idempotent. */
  close(): void;
};

/** Loads the model into HiGHS without solving it; see `LpSession`. */
export async function openLp(model: LpModel, options: LpOptions = {}): Promise<LpSession> {
  const data = toArrays(model);
  const highs = await loadHighs();
  const m = highs.createModel({
    numCols: model.variables.length,
    numRows: model.rows.length,
    sense: highs.constants.objectiveSense[model.sense],
    ...data,
  });
  let numCols = model.variables.length;
  const numRows = model.rows.length;
  try {
    m.options.set({
      output_flag: false,
      ...(options.timeLimitSeconds === undefined ? {} : { time_limit: options.timeLimitSeconds }),
    });
  } catch (error) {
    m.dispose();
    throw error;
  }
  return {
    solve() {
      const start = performance.now();
      m.run();
      const status = m.getModelStatus();
      if (status !== highs.constants.modelStatus.optimal) {
        const name =
          Object.entries(highs.constants.modelStatus).find(([, code]) => code === status)?.[0] ??
          String(status);
        throw new LpError(`the LP was not solved to optimality: HiGHS status ${name}`, name);
      }
      const { colValue, rowDual } = m.getSolution();
      return {
        objective: m.getObjectiveValue(),
        values: colValue,
        rowDuals: rowDual,
        solveMs: performance.now() - start,
        iterations: Number(m.info.get('simplex_iteration_count')),
      };
    },
    addVariables(columns) {
      if (columns.length === 0) return;
      const variables = toColumnArrays(columns, numCols, numRows);
      m.addCols(variables);
      numCols += columns.length;
    },
    close() {
      if (m.disposed) return;
      m.dispose();
      if (highs.memoryBytes > RECYCLE_BYTES && runtime) runtime = undefined;
    },
  };
}

/** The model as HiGHS' column and row vectors plus a CSR matrix, checking indices and values. */
function toArrays(model: LpModel) {
  const numCols = model.variables.length;
  const numRows = model.rows.length;
  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols);
  model.variables.forEach((v, j) => {
    colCost[j] = v.objective;
    colLower[j] = v.lower ?? 0;
    colUpper[j] = v.upper ?? Number.POSITIVE_INFINITY;
    checkVariable(v, j);
  });
  let nonZeros = 0;
  for (const row of model.rows) nonZeros += row.variables.length;
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  const starts = new Int32Array(numRows + 1);
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  // lastRow[j] = the last row that named variable j, to refuse duplicates in O(1).
  const lastRow = new Int32Array(numCols).fill(-1);
  let k = 0;
  model.rows.forEach((row, i) => {
    if (row.variables.length !== row.coefficients.length)
      throw new LpError(`row ${i}: variables and coefficients differ in length`, 'invalidInput');
    rowLower[i] = row.lower ?? Number.NEGATIVE_INFINITY;
    rowUpper[i] = row.upper ?? Number.POSITIVE_INFINITY;
    row.variables.forEach((j, t) => {
      const coefficient = row.coefficients[t] ?? Number.NaN;
      if (!Number.isInteger(j) || j < 0 || j >= numCols)
        throw new LpError(`row ${i}: no variable ${j}`, 'invalidInput');
      if (lastRow[j] === i) throw new LpError(`row ${i}: variable ${j} appears twice`, 'invalidInput');
      if (!Number.isFinite(coefficient))
        throw new LpError(`row ${i}: coefficient of variable ${j} is not finite`, 'invalidInput');
      lastRow[j] = i;
      indices[k] = j;
      values[k] = coefficient;
      k++;
    });
    starts[i + 1] = k;
  });
  return {
    colCost,
    colLower,
    colUpper,
    rowLower,
    rowUpper,
    matrix: { format: 'csr' as const, numRows, numCols, starts, indices, values },
  };
}

/** New columns as HiGHS' vectors plus a CSC matrix over the model's rows, checking them. */
function toColumnArrays(columns: readonly LpColumn[], firstIndex: number, numRows: number) {
  const count = columns.length;
  const cost = new Float64Array(count);
  const lower = new Float64Array(count);
  const upper = new Float64Array(count);
  const starts = new Int32Array(count + 1);
  let nonZeros = 0;
  for (const c of columns) nonZeros += c.rows.length;
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  let k = 0;
  columns.forEach((c, j) => {
    checkVariable(c, firstIndex + j);
    cost[j] = c.objective;
    lower[j] = c.lower ?? 0;
    upper[j] = c.upper ?? Number.POSITIVE_INFINITY;
    if (c.rows.length !== c.coefficients.length)
      throw new LpError(`variable ${firstIndex + j}: rows and coefficients differ in length`, 'invalidInput');
    const seen = new Set<number>();
    c.rows.forEach((i, t) => {
      const coefficient = c.coefficients[t] ?? Number.NaN;
      if (!Number.isInteger(i) || i < 0 || i >= numRows)
        throw new LpError(`variable ${firstIndex + j}: no row ${i}`, 'invalidInput');
      if (seen.has(i))
        throw new LpError(`variable ${firstIndex + j}: row ${i} appears twice`, 'invalidInput');
      if (!Number.isFinite(coefficient))
        throw new LpError(
          `variable ${firstIndex + j}: coefficient in row ${i} is not finite`,
          'invalidInput',
        );
      seen.add(i);
      indices[k] = i;
      values[k] = coefficient;
      k++;
    });
    starts[j + 1] = k;
  });
  return {
    cost,
    lower,
    upper,
    matrix: { format: 'csc' as const, numRows, numCols: count, starts, indices, values },
  };
}

function checkVariable(v: LpVariable, j: number): void {
  if (!Number.isFinite(v.objective) || Number.isNaN(v.lower ?? 0) || Number.isNaN(v.upper ?? 0))
    throw new LpError(`variable ${j}: objective must be finite and bounds numbers`, 'invalidInput');
}
