import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createConcurrencyLimit, mapLimited } from './concurrency.ts';

class Full extends Error {}

/** A task the test finishes by hand, so no assertion depends on timing. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('createConcurrencyLimit', () => {
  test('never runs more than `concurrency` tasks; waiters start in arrival order as slots free up', async () => {
    const limit = createConcurrencyLimit({ concurrency: 2, queue: 10, onFull: () => new Full() });
    const gates = Array.from({ length: 8 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const results = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        running += 1;
        most = Math.max(most, running);
        await g.opened;
        running -= 1;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(limit.stats(), { active: 2, waiting: 6, peak: 2, started: 2, refused: 0 });
    // Finish them out of order; the queue still starts in arrival order.
    for (const i of [1, 0, 3, 2, 5, 4, 7, 6]) {
      gates[i]?.open();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(results), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(most, 2);
    assert.deepEqual(limit.stats(), { active: 0, waiting: 0, peak: 2, started: 8, refused: 0 });
  });

  test('a task arriving to a full queue is refused at once with onFull(); the others still finish', async () => {
    const limit = createConcurrencyLimit({ concurrency: 1, queue: 1, onFull: () => new Full('busy') });
    const first = gate();
    const running = limit.run(() => first.opened.then(() => 'first'));
    const queued = limit.run(async () => 'queued');
    await assert.rejects(
      limit.run(async () => 'refused'),
      (error) => error instanceof Full && error.message === 'busy',
    );
    assert.deepEqual(limit.stats(), { active: 1, waiting: 1, peak: 1, started: 1, refused: 1 });
    first.open();
    assert.deepEqual(await Promise.all([running, queued]), ['first', 'queued']);
    assert.equal(await limit.run(async () => 'later'), 'later');
  });

  test('a failing task frees its slot; queue 0 refuses whenever every slot is busy', async () => {
    const limit = createConcurrencyLimit({ concurrency: 1, queue: 0, onFull: () => new Full() });
    await assert.rejects(
      limit.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    const held = gate();
    const running = limit.run(() => held.opened);
    await assert.rejects(
      limit.run(async () => 1),
      Full,
    );
    held.open();
    await running;
    assert.equal(await limit.run(async () => 2), 2);
    assert.deepEqual(limit.stats(), { active: 0, waiting: 0, peak: 1, started: 3, refused: 1 });
  });

  test('one client has one task running or waiting; others still get theirs', async () => {
    const limit = createConcurrencyLimit({ concurrency: 2, queue: 2, onFull: () => new Full() });
    const first = gate();
    const running = limit.run(() => first.opened, { client: 'a' });
    await assert.rejects(
      limit.run(async () => {}, { client: 'a' }),
      Full,
    );
    const other = gate();
    const b = limit.run(() => other.opened, { client: 'b' });
    first.open();
    other.open();
    await Promise.all([running, b]);
    // Finished (or failed) tasks free their client.
    await assert.rejects(
      limit.run(
        async () => {
          throw new Error('boom');
        },
        { client: 'a' },
      ),
      /boom/,
    );
    await limit.run(async () => {}, { client: 'a' });
    assert.equal(limit.stats().refused, 1);
  });

  test('a `wait` task (start-up work) queues instead of being refused', async () => {
    const limit = createConcurrencyLimit({ concurrency: 1, queue: 0, onFull: () => new Full() });
    const busy = gate();
    const running = limit.run(() => busy.opened);
    const waiting = limit.run(async () => 'done', { wait: true });
    await assert.rejects(
      limit.run(async () => {}),
      Full,
    );
    busy.open();
    await running;
    assert.equal(await waiting, 'done');
  });

  test('rejects nonsensical bounds', () => {
    const onFull = () => new Full();
    assert.throws(() => createConcurrencyLimit({ concurrency: 0, queue: 0, onFull }), RangeError);
    assert.throws(() => createConcurrencyLimit({ concurrency: 1, queue: -1, onFull }), RangeError);
    assert.throws(() => createConcurrencyLimit({ concurrency: 1.5, queue: 0, onFull }), RangeError);
  });
});

test('mapLimited: results in item order, never more than `limit` tasks at once, a failure rejects', async () => {
  let running = 0;
  let peak = 0;
  const results = await mapLimited([30, 5, 20, 1, 10, 2], 3, async (ms) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    running -= 1;
    return ms * 2;
  });
  assert.deepEqual(results, [60, 10, 40, 2, 20, 4]);
  assert.equal(peak, 3);
  assert.deepEqual(await mapLimited([], 4, async () => 1), []);
  await assert.rejects(
    mapLimited([1, 2], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    }),
    /two/,
  );
  await assert.rejects(
    mapLimited([1], 0, async (n) => n),
    RangeError,
  );
});
