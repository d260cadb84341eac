import { createRedisClient, type RedisClient } from '@adnova/core/cache/redis-connection';
import type { StorageAdapter } from 'grammy';
import type { BotStorageConfig } from '../config.ts';

/**
 * Where the bot keeps what must survive between updates: sessions (language) and the state of
 * running dialogs. Values are JSON, so the memory store behaves like Redis (a read returns a copy,
 * never the object that was written). Keys expire `ttlSeconds` after their last write.
 */
export type BotStore = {
  readonly kind: BotStorageConfig['kind'];
  /** A grammY storage adapter over one namespace of keys. */
  adapter<T>(namespace: string, ttlSeconds: number): StorageAdapter<T>;
  /** The Redis connection (flood counters share it), when the store is Redis. */
  readonly redis: RedisClient | undefined;
  close(): Promise<void>;
};

/** The store chosen by config: Redis when `REDIS_URL` is set, this process's memory otherwise. */
export function createStore(config: BotStorageConfig, now: () => number = Date.now): BotStore {
  return config.kind === 'redis'
    ? createRedisStore(
        createRedisClient(config.redis, { maxRetriesPerRequest: 2, lazyConnect: false }),
        config.keyPrefix,
      )
    : createMemoryStore(now);
}

export function createMemoryStore(now: () => number = Date.now): BotStore {
  const entries = new Map<string, { json: string; expiresAt: number }>();
  return {
    kind: 'memory',
    redis: undefined,
    adapter<T>(namespace: string, ttlSeconds: number): StorageAdapter<T> {
      const key = (k: string) => `${namespace}:${k}`;
      return {
        read(k) {
          const entry = entries.get(key(k));
          if (!entry) return undefined;
          if (entry.expiresAt <= now()) {
            entries.delete(key(k));
            return undefined;
          }
          return JSON.parse(entry.json) as T;
        },
        write(k, value) {
          entries.set(key(k), { json: JSON.stringify(value), expiresAt: now() + ttlSeconds * 1000 });
        },
        delete(k) {
          entries.delete(key(k));
        },
      };
    },
    async close() {
      entries.clear();
    },
  };
}

/** A Redis store; `owned` connections are closed with the store. */
export function createRedisStore(redis: RedisClient, keyPrefix: string, owned = true): BotStore {
  return {
    kind: 'redis',
    redis,
    adapter<T>(namespace: string, ttlSeconds: number): StorageAdapter<T> {
      const key = (k: string) => `${keyPrefix}${namespace}:${k}`;
      return {
        async read(k) {
          const json = await redis.get(key(k));
          return json === null ? undefined : (JSON.parse(json) as T);
        },
        async write(k, value) {
          await redis.set(key(k), JSON.stringify(value), 'EX', ttlSeconds);
        },
        async delete(k) {
          await redis.del(key(k));
        },
      };
    },
    async close() {
      if (owned) await redis.quit();
    },
  };
}
