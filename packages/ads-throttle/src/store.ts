/** Time source in milliseconds since the epoch; injected so tests never sleep. */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Input of the store's single atomic counting operation (behaviour §11). */
export interface HitInput {
  /** `ads:views:{<scope hash>:<viewer hash>}` (with prefix; see `storeKeys`). */
  countKey: string;
  /** `ads:block:{<scope hash>:<viewer hash>}` (with prefix); in the count key's Redis Cluster hash slot. */
  blockKey: string;
  /** W; 0 disables counting entirely (always allowed, nothing stored). */
  windowSeconds: number;
  /** T; impressions allowed per window. */
  threshold: number;
  /** B; 0 stores no block flag (the rest of the window is still refused through the counter). */
  blockSeconds: number;
  /** Clear the window counter when a block starts, so the block lasts exactly B (behaviour §0). */
  resetCountOnBlock: boolean;
}

/** Why the store allowed or refused an impression. */
export type HitReason = 'first' | 'under' | 'exceeded' | 'blocked';

/** Result of `ThrottleStore.hit`. */
export interface HitResult {
  allowed: boolean;
  /** The window count after this hit; `null` when nothing was counted (blocked, or W = 0). */
  count: number | null;
  reason: HitReason;
  /** For refusals: milliseconds until ads may show again. */
  retryAfterMs?: number;
}

/** What `inspect` sees under a counter/block key pair, for tests and admin diagnostics. */
export interface HitState {
  /** Live window count, or `null` when no window is open. */
  count: number | null;
  /** Milliseconds left on the block flag, or `null` when not blocked. */
  blockedForMs: number | null;
}

/**
 * A counter store. Every implementation must pass the shared contract suite (`test/store-contract.ts`).
 * Expiry is judged against the injected clock, so a store behaves the same under a fake clock.
 * A TTL of 0 or less stores nothing.
 */
export interface ThrottleStore {
  /** `memory` or `redis`, for the start-up log line. */
  readonly kind: string;
  /**
   * Atomically: refuse without counting while the block flag is live; otherwise count, anchoring the
   * fixed window at the first hit; when the count exceeds T set the block flag (and optionally clear the
   * counter). Two processes sharing a store never double-count or miss the threshold.
   */
  hit(input: HitInput): Promise<HitResult>;
  /** Sets `key` only if it is absent or expired; true when this call set it (SET NX EX). */
  addOnce(key: string, ttlSeconds: number): Promise<boolean>;
  /** A live value, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores a value with a TTL; `ttlSeconds <= 0` deletes instead. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Increments a counter that never expires (cache generation numbers) and returns the new value. */
  incr(key: string): Promise<number>;
  inspect(keys: { countKey: string; blockKey: string }): Promise<HitState>;
}

/**
 * Builds every store key from the configured prefix, in the shapes of the original (behaviour §4.11) except
 * for one deviation: the (scope, viewer) pair of the count and block keys is a Redis Cluster hash tag,
 * `ads:views:{<scope hash>:<viewer hash>}` and `ads:block:{…}`, so the two keys one hit script touches
 * share a hash slot (a cluster refuses a script whose keys do not: CROSSSLOT) while different viewers
 * still spread over the nodes. The other keys are read and written one at a time and keep their shapes.
 * The prefix must not contain `{` or `}` (configuration checks it): Redis hashes the first `{…}` of a
 * key, so a brace in the prefix would at best put every viewer in one slot, at worst split the pair.
 */
export function storeKeys(prefix: string) {
  const pair = (scopeHash: string, viewerHash: string) => `{${scopeHash}:${viewerHash}}`;
  return {
    count: (scopeHash: string, viewerHash: string) => `${prefix}ads:views:${pair(scopeHash, viewerHash)}`,
    block: (scopeHash: string, viewerHash: string) => `${prefix}ads:block:${pair(scopeHash, viewerHash)}`,
    eventGate: (scopeHash: string, viewerHash: string, blocked: boolean) =>
      `${prefix}ads_throttle:event:${scopeHash}:${viewerHash}:${blocked ? 1 : 0}`,
    settings: `${prefix}ads_throttle:settings`,
    overridesVersion: `${prefix}ads_throttle:overrides:version`,
  } as const;
}
