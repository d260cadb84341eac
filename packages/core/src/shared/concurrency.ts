/**
 * At most `concurrency` tasks at once, at most `queue` more waiting in arrival order; a task that
 * finds the queue full is refused at once with `onFull()`, so callers never wait unboundedly and
 * the work a process takes on stays bounded. A task may name its `client`, which then has at most
 * one task running or waiting (one flooder cannot take every slot); a `wait` task (start-up work,
 * never a client's) always queues. One instance per guarded resource per process: image decodes,
 * password derivations.
 */
export type ConcurrencyLimit = {
  run<T>(task: () => Promise<T>, options?: RunOptions): Promise<T>;
  /** Now running and waiting; the most ever running at once; tasks started and refused so far. */
  stats(): { active: number; waiting: number; peak: number; started: number; refused: number };
};

export type RunOptions = {
  /** Who asks: a client has at most one task running or waiting, more are refused. */
  client?: string;
  /** Queue even when the queue is full, instead of being refused. */
  wait?: boolean;
};

export type ConcurrencyLimitOptions = {
  /** Tasks running at once, at least 1. */
  concurrency: number;
  /** Tasks waiting for a slot, at least 0; more are refused. */
  queue: number;
  /** The error a refused task rejects with. */
  onFull: () => Error;
};

export function createConcurrencyLimit({
  concurrency,
  queue,
  onFull,
}: ConcurrencyLimitOptions): ConcurrencyLimit {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be >= 1');
  if (!Number.isInteger(queue) || queue < 0) throw new RangeError('queue must be >= 0');
  let active = 0;
  let peak = 0;
  let started = 0;
  let refused = 0;
  const waiting: (() => void)[] = [];
  const clients = new Set<string>();

  // A finishing task hands its slot straight to the first waiter, so `active` never dips and a
  // newcomer cannot overtake the queue.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run(task, { client, wait = false } = {}) {
      const fits = active < concurrency || wait || waiting.length < queue;
      if (!fits || (client !== undefined && clients.has(client))) {
        refused += 1;
        throw onFull();
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
    stats: () => ({ active, waiting: waiting.length, peak, started, refused }),
  };
}

/**
 * `task` over every item with at most `limit` running at once; the results in the items' order.
 * For a caller's own batch (a page's statistics, a load's requests), where nothing is refused.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be >= 1');
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
