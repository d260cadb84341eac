/**
 * A bound on expensive work (password derivations) in one process: at most `concurrency` tasks run
 * at once and at most `queue` more wait, in arrival order; one client has at most one task running
 * or waiting. A task that does not fit is refused at once with `refused()`, so callers never wait
 * behind a flood; `wait` tasks (start-up work, never a client's) always queue.
 */
export type HashLimit = {
  run<T>(task: () => Promise<T>, options?: { client?: string; wait?: boolean }): Promise<T>;
  /** Now running and waiting; the most ever running at once; tasks started and refused so far. */
  stats(): { active: number; waiting: number; peak: number; started: number; refused: number };
};

export function createHashLimit(options: {
  concurrency: number;
  queue: number;
  refused: () => Error;
}): HashLimit {
  const { concurrency, queue, refused } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be >= 1');
  if (!Number.isInteger(queue) || queue < 0) throw new RangeError('queue must be >= 0');
  let active = 0;
  let peak = 0;
  let started = 0;
  let refusedCount = 0;
  const waiting: (() => void)[] = [];
  const clients = new Set<string>();

  // A finishing task hands its slot straight to the first waiter, so a newcomer cannot overtake.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run(task, { client, wait = false } = {}) {
      const fits = active < concurrency || wait || waiting.length < queue;
      if (!fits || (client !== undefined && clients.has(client))) {
        refusedCount += 1;
        throw refused();
      }
      if (client !== undefined) clients.add(client);
      if (active < concurrency) active += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      peak = Math.max(peak, active);
      started += 1;
      try {
        return await task();
      } finally {
        if (client !== undefined) clients.delete(client);
        release();
      }
    },
    stats: () => ({ active, waiting: waiting.length, peak, started, refused: refusedCount }),
  };
}
