import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHashLimit } from './hash-limit.ts';

/** A task that runs until the test lets it finish. */
function gate() {
  let open: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { task: () => done, open };
}

const refusal = () => new Error('refused');

describe('issue 12: the password-hashing bound', () => {
  test('runs 2, queues 2 in arrival order, refuses the rest at once', async () => {
    const limit = createHashLimit({ concurrency: 2, queue: 2, refused: refusal });
    const gates = Array.from({ length: 4 }, gate);
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      limit.run(async () => {
        order.push(i);
        await g.task();
      }),
    );
    await assert.rejects(
      limit.run(async () => {}),
      /refused/,
    );
    assert.deepEqual(limit.stats(), { active: 2, waiting: 2, peak: 2, started: 2, refused: 1 });
    gates[1]?.open();
    await runs[1];
    assert.deepEqual(order, [0, 1, 2], 'the first waiter takes the freed slot');
    for (const g of gates) g.open();
    await Promise.all(runs);
    assert.deepEqual(limit.stats(), { active: 0, waiting: 0, peak: 2, started: 4, refused: 1 });
  });

  test('one client has one task running or waiting; others still get theirs', async () => {
    const limit = createHashLimit({ concurrency: 2, queue: 2, refused: refusal });
    const first = gate();
    const running = limit.run(first.task, { client: 'a' });
    await assert.rejects(
      limit.run(async () => {}, { client: 'a' }),
      /refused/,
    );
    const other = gate();
    const b = limit.run(other.task, { client: 'b' });
    first.open();
    other.open();
    await Promise.all([running, b]);
    await limit.run(async () => {}, { client: 'a' });
    assert.equal(limit.stats().refused, 1);
  });

  test('a failing task frees its slot and its client', async () => {
    const limit = createHashLimit({ concurrency: 1, queue: 0, refused: refusal });
    await assert.rejects(
      limit.run(
        async () => {
          throw new Error('boom');
        },
        { client: 'a' },
      ),
      /boom/,
    );
    assert.equal(await limit.run(async () => 42, { client: 'a' }), 42);
  });

  test('start-up work waits instead of being refused', async () => {
    const limit = createHashLimit({ concurrency: 1, queue: 0, refused: refusal });
    const busy = gate();
    const running = limit.run(busy.task);
    const waiting = limit.run(async () => 'done', { wait: true });
    await assert.rejects(
      limit.run(async () => {}),
      /refused/,
    );
    busy.open();
    await running;
    assert.equal(await waiting, 'done');
  });
});
