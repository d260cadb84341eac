import { Redis } from 'ioredis';
import type { CacheConfig } from '../config.ts';

/** A small key-value cache with TTLs, shared by every process when it is Redis. */
export type Cache = {
  kind: CacheConfig['kind'];
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** The Redis client when the cache is Redis, for libraries that need one (ads-throttle). */
  redis?: Redis;
  close(): Promise<void>;
};

/** In-process cache: entries expire lazily on read and are swept when the map grows. */
export function createMemoryCache(now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  };
  return {
    kind: 'memory',
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      if (entries.size >= 10_000) sweep();
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    },
    async del(key) {
      entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}

export function createRedisCache(url: string): Cache {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Connection errors surface on the commands that fail (and in /health), not as crashes.
  redis.on('error', () => {});
  return {
    kind: 'redis',
    redis,
    async get(key) {
      return (await redis.get(key)) ?? undefined;
    },
    async set(key, value, ttlSeconds) {
      await redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    async del(key) {
      await redis.del(key);
    },
    async close() {
      redis.disconnect();
    },
  };
}

export function createCache(config: CacheConfig): Cache {
  return config.kind === 'redis' ? createRedisCache(config.url) : createMemoryCache();
}
