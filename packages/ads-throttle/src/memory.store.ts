import {
  type Clock,
  type HitInput,
  type HitResult,
  type HitState,
  systemClock,
  type ThrottleStore,
} from './store.ts';

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; `Infinity` for counters without a TTL. */
  expiresAt: number;
}

/** Options of `createMemoryStore`. */
export interface MemoryStoreOptions {
  clock?: Clock;
  /** How often expired entries are swept, in ms of clock time (expired entries are never served anyway). */
  sweepIntervalMs?: number;
}

/**
 * In-process counter store. Each operation runs synchronously inside one call, so it is atomic within
 * the process. Counts are per process: with several processes the effective threshold multiplies by
 * their number (W3), so use it for development, tests and single-process deployments only.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): ThrottleStore {
  const clock = options.clock ?? systemClock;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const entries = new Map<string, Entry>();
  let lastSweep = clock.now();

  // Sweeping is amortised over calls instead of a timer, so the store never keeps a process alive.
  const live = (key: string, now: number): Entry | undefined => {
    if (now - lastSweep >= sweepIntervalMs) {
      lastSweep = now;
      for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
    }
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    kind: 'memory',

    async hit(input: HitInput): Promise<HitResult> {
      const now = clock.now();
      const block = live(input.blockKey, now);
      if (block !== undefined) {
        return { allowed: false, count: null, reason: 'blocked', retryAfterMs: block.expiresAt - now };
      }
      if (input.windowSeconds <= 0) return { allowed: true, count: null, reason: 'first' };
      const counter = live(input.countKey, now);
      const count = counter === undefined ? 1 : Number(counter.value) + 1;
      const windowEnds = counter === undefined ? now + input.windowSeconds * 1000 : counter.expiresAt;
      entries.set(input.countKey, { value: String(count), expiresAt: windowEnds });
      if (count > input.threshold) {
        if (input.blockSeconds > 0) {
          const blockMs = input.blockSeconds * 1000;
          entries.set(input.blockKey, { value: '1', expiresAt: now + blockMs });
          if (input.resetCountOnBlock) entries.delete(input.countKey);
          return { allowed: false, count, reason: 'exceeded', retryAfterMs: blockMs };
        }
        return { allowed: false, count, reason: 'exceeded', retryAfterMs: windowEnds - now };
      }
      return { allowed: true, count, reason: count === 1 ? 'first' : 'under' };
    },

    async addOnce(key, ttlSeconds) {
      const now = clock.now();
      if (ttlSeconds <= 0) return true;
      if (live(key, now) !== undefined) return false;
      entries.set(key, { value: '1', expiresAt: now + ttlSeconds * 1000 });
      return true;
    },

    async get(key) {
      return live(key, clock.now())?.value;
    },

    async set(key, value, ttlSeconds) {
      if (ttlSeconds <= 0) {
        entries.delete(key);
        return;
      }
      entries.set(key, { value, expiresAt: clock.now() + ttlSeconds * 1000 });
    },

    async delete(key) {
      entries.delete(key);
    },

    async incr(key) {
      const entry = live(key, clock.now());
      const next = (entry === undefined ? 0 : Number(entry.value)) + 1;
      entries.set(key, { value: String(next), expiresAt: Number.POSITIVE_INFINITY });
      return next;
    },

    async inspect(keys): Promise<HitState> {
      const now = clock.now();
      const counter = live(keys.countKey, now);
      const block = live(keys.blockKey, now);
      return {
        count: counter === undefined ? null : Number(counter.value),
        blockedForMs: block === undefined ? null : block.expiresAt - now,
      };
    },
  };
}
