import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { deleteByPrefix } from '@adnova/test-utils/redis-keys';
import { type Cluster, Redis } from 'ioredis';
import { createMemoryStore } from '../src/memory.store.ts';
import { createRedisStore } from '../src/redis.store.ts';
import type { Clock, ThrottleStore } from '../src/store.ts';

/** Set REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run the Redis variants. */
export const REDIS_URL = process.env.REDIS_URL ?? '';

/** The reason printed when Redis tests are skipped. */
export const REDIS_SKIP = 'REDIS_URL not set: Redis store tests skipped';

let warned = false;

/**
 * Makes a run without Redis visibly partial: prints a warning once per file and registers one skipped
 * test carrying the reason, so the runner's summary counts it.
 */
export function warnRedisSkipped(): void {
  if (REDIS_URL || warned) return;
  warned = true;
  console.warn(`WARNING: ${REDIS_SKIP}`);
  it('Redis variants', { skip: REDIS_SKIP }, () => {});
}

/** One store under test: a fresh store, a unique key prefix, and cleanup of that prefix only. */
export interface StoreUnderTest {
  store: ThrottleStore;
  prefix: string;
  /** Another handle on the same data, as a second process would have (own Redis connection). */
  twin(clock: Clock): ThrottleStore;
}

/** A way to make stores for one variant (memory or Redis). */
export interface StoreVariant {
  /** `memory`, `redis`, or a variant's own name (`redis cluster`). */
  name: string;
  /** A skip reason, or false. */
  skip: string | false;
  create(clock: Clock): Promise<StoreUnderTest>;
  /** Deletes every key created by this variant's stores and closes connections. */
  close(): Promise<void>;
}

/** The memory variant. Its twin shares the same Map, standing in for a shared cache. */
export function memoryVariant(): StoreVariant {
  return {
    name: 'memory',
    skip: false,
    async create(clock) {
      const store = createMemoryStore({ clock });
      return { store, prefix: `t:${randomUUID()}:`, twin: () => store };
    },
    async close() {},
  };
}

/**
 * The Redis variant; every store gets a unique key prefix, and only those keys are deleted. `connect`
 * opens another client (default: one to `REDIS_URL`), e.g. an ioredis `Cluster` for a cluster variant.
 */
export function redisVariant(
  options: { name?: string; skip?: string | false; connect?: () => Redis | Cluster } = {},
): StoreVariant {
  const clients: Array<Redis | Cluster> = [];
  const prefixes: string[] = [];
  const open =
    options.connect ?? (() => new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true }));
  const connect = () => {
    const client = open();
    clients.push(client);
    return client;
  };
  let shared: Redis | Cluster | undefined;
  return {
    name: options.name ?? 'redis',
    skip: options.skip ?? (REDIS_URL ? false : REDIS_SKIP),
    async create(clock) {
      shared ??= connect();
      const prefix = `ads-throttle-test:${randomUUID()}:`;
      prefixes.push(prefix);
      return {
        store: createRedisStore({ client: shared, clock }),
        prefix,
        twin: (twinClock) => createRedisStore({ client: connect(), clock: twinClock }),
      };
    },
    async close() {
      const client = clients[0];
      if (client !== undefined) for (const prefix of prefixes) await deleteByPrefix(client, prefix);
      await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    },
  };
}

/** Both variants; Redis is skipped (loudly) without REDIS_URL. */
export function storeVariants(): StoreVariant[] {
  warnRedisSkipped();
  return [memoryVariant(), redisVariant()];
}
