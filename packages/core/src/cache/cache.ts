import type { CacheConfig } from '../config.ts';
import { createRedisClient, type RedisClient, type RedisConnection } from './redis-connection.ts';

/** A small key-value cache with TTLs, shared by every process when it is Redis. */
export type Cache = {
  kind: CacheConfig['kind'];
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /**
   * Adds one to a counter and returns the new value, atomically across every process sharing the
   * cache. A new counter expires `ttlSeconds` after its first increment (a fixed window).
   */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** The Redis client when the cache is Redis, for libraries that need one (ads-throttle). */
  redis?: RedisClient;
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
    async incr(key, ttlSeconds) {
      const t = now();
      const entry = entries.get(key);
      if (!entry || entry.expiresAt <= t) {
        if (entries.size >= 10_000) sweep();
        entries.set(key, { value: '1', expiresAt: t + ttlSeconds * 1000 });
        return 1;
      }
      const value = (Number(entry.value) || 0) + 1;
      entry.value = String(value);
      return value;
    },
    async close() {
      entries.clear();
    },
  };
}

// INCR and the first EXPIRE in one script, so a counter can never be left without a TTL.
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

export function createRedisCache(connection: RedisConnection): Cache {
  const redis = createRedisClient(connection, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // Commands sent in the same turn of the event loop go out in one write (ioredis flushes them
    // with setImmediate): under load, the throttle decisions of all the `GET /ads` requests read
    // in one turn share a syscall. One write per command had been 11 % of the API's CPU at
    // 4,300 ads/s (`npm run bench -- --cpu-prof`). Each command keeps its own answer and error.
    enableAutoPipelining: true,
  });
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
    async incr(key, ttlSeconds) {
      const n = await redis.eval(INCR_WITH_TTL, 1, key, String(Math.max(1, Math.ceil(ttlSeconds))));
      return Number(n);
    },
    async close() {
      redis.disconnect();
    },
  };
}

export function createCache(config: CacheConfig): Cache {
  return config.kind === 'redis' ? createRedisCache(config.redis) : createMemoryCache();
}
