import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LpError, type LpModel, openLp, solveLp } from './lp.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-7, `${actual} ≠ ${expected}`);

// max 3a + 2b  s.t.  a + b ≤ 4,  a + 3b ≤ 6,  a ≤ 3:  optimum a = 3, b = 1, objective 11.
// Raising the second row's bound by 1 lets b grow by 1/3: its dual is 2/3; the first row's is 0.
const production: LpModel = {
  sense: 'maximize',
  variables: [{ objective: 3, upper: 3 }, { objective: 2 }],
  rows: [
    { variables: [0, 1], coefficients: [1, 1], upper: 4 },
    { variables: [0, 1], coefficients: [1, 3], upper: 6 },
  ],
};

test('solves a small LP: objective, values, row duals', async () => {
  const s = await solveLp(production);
  close(s.objective, 11);
  close(s.values[0] ?? Number.NaN, 3);
  close(s.values[1] ?? Number.NaN, 1);
  close(s.rowDuals[0] ?? Number.NaN, 0);
  close(s.rowDuals[1] ?? Number.NaN, 2 / 3);
  assert.ok(s.solveMs >= 0 && s.iterations >= 0);
});

test('minimizes with lower bounds on rows; a dual is the objective per unit of the binding bound', async () => {
  // min a + 2b  s.t.  a + b ≥ 2,  a ≤ 1:  a = 1, b = 1, objective 3; the row's dual is 2.
  const s = await solveLp({
    sense: 'minimize',
    variables: [
      { objective: 1, upper: 1 },
      { objective: 2, lower: 0 },
    ],
    rows: [{ variables: [0, 1], coefficients: [1, 1], lower: 2 }],
  });
  close(s.objective, 3);
  close(s.rowDuals[0] ?? Number.NaN, 2);
});

test('an empty model has objective 0', async () => {
  const s = await solveLp({ sense: 'maximize', variables: [], rows: [] });
  assert.equal(s.objective, 0);
});

test('a model without an optimum throws LpError naming the status', async () => {
  await assert.rejects(
    solveLp({
      sense: 'maximize',
      variables: [{ objective: 1 }],
      rows: [{ variables: [0], coefficients: [1], lower: 2, upper: 1 }],
    }),
    (e: unknown) => e instanceof LpError && /infeasible/i.test(e.status),
  );
  await assert.rejects(
    solveLp({ sense: 'maximize', variables: [{ objective: 1 }], rows: [] }),
    (e: unknown) => e instanceof LpError && /unbounded/i.test(e.status),
  );
});

test('bad input is refused before HiGHS sees it', async () => {
  const bad = (rows: LpModel['rows']) =>
    assert.rejects(
      solveLp({ sense: 'maximize', variables: [{ objective: 1, upper: 1 }], rows }),
      (e: unknown) => e instanceof LpError && e.status === 'invalidInput',
    );
  await bad([{ variables: [1], coefficients: [1], upper: 1 }]);
  await bad([{ variables: [0, 0], coefficients: [1, 1], upper: 1 }]);
  await bad([{ variables: [0], coefficients: [], upper: 1 }]);
  await bad([{ variables: [0], coefficients: [Number.NaN], upper: 1 }]);
});

test('a larger LP: a transportation problem of 100 × 100 with a known optimum', async () => {
  // Supplies of 1 at each of n sources, demands of 1 at n sinks, value 1 on the diagonal and 0.5
  // elsewhere: the optimum is the diagonal, n.
  const n = 100;
  const variables = Array.from({ length: n * n }, (_, v) => ({
    objective: Math.floor(v / n) === v % n ? 1 : 0.5,
  }));
  const range = Array.from({ length: n }, (_, i) => i);
  const rows = [
    ...range.map((i) => ({
      variables: range.map((j) => i * n + j),
      coefficients: range.map(() => 1),
      upper: 1,
    })),
    ...range.map((j) => ({
      variables: range.map((i) => i * n + j),
      coefficients: range.map(() => 1),
      upper: 1,
    })),
  ];
  const s = await solveLp({ sense: 'maximize', variables, rows });
  close(s.objective, n);
});

test('a session adds variables and solves again from the last basis', async () => {
  const session = await openLp(production);
  try {
    close(session.solve().objective, 11);
    // A third product, c: 5 per unit, one unit of each row: c takes the first row whole (c = 4, 20).
    session.addVariables([{ objective: 5, rows: [0, 1], coefficients: [1, 1] }]);
    const s = session.solve();
    close(s.objective, 20);
    assert.equal(s.values.length, 3);
    close(s.values[2] ?? Number.NaN, 4);
    assert.throws(
      () => session.addVariables([{ objective: 1, rows: [2], coefficients: [1] }]),
      (e: unknown) => e instanceof LpError && e.status === 'invalidInput',
    );
  } finally {
    session.close();
    session.close();
  }
});

test('a session over rows without variables yet', async () => {
  const session = await openLp({
    sense: 'maximize',
    variables: [],
    rows: [{ variables: [], coefficients: [], upper: 2 }],
  });
  try {
    session.addVariables([
      { objective: 1, upper: 5, rows: [0], coefficients: [1] },
      { objective: 2, upper: 1.5, rows: [0], coefficients: [1] },
    ]);
    const s = session.solve();
    close(s.objective, 3.5);
    close(s.rowDuals[0] ?? Number.NaN, 1);
  } finally {
    session.close();
  }
});
