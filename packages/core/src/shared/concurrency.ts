/**
 * At most `concurrency` tasks at once, at most `queue` more waiting in arrival order; a task that
 * finds the queue full is refused at once with `onFull()`, so callers never wait unboundedly and
 * the work a process takes on stays bounded. One instance per guarded resource per process.
 */
export type ConcurrencyLimit = {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now, tasks waiting now, and the most ever running at once. */
  stats(): { active: number; waiting: number; peak: number };
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
  const waiting: (() => void)[] = [];

  // A finishing task hands its slot straight to the first waiter, so `active` never dips and a
  // newcomer cannot overtake the queue.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run(task) {
      if (active < concurrency) {
        active += 1;
        peak = Math.max(peak, active);
      } else if (waiting.length < queue) {
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        throw onFull();
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ active, waiting: waiting.length, peak }),
  };
}
