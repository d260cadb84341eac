import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { announceClusterSkip, CLUSTER_SKIP, lazyRedisCluster } from '@adnova/test-utils/redis-cluster';
import { REDIS_SKIP, REDIS_URL } from '@adnova/test-utils/stores';
import { type Cache, createMemoryCache, createRedisCache } from './cache.ts';

/** The same contract for the in-process and the Redis caches (one server, a cluster). */
function cacheContract(
  name: string,
  make: (now: () => number) => Cache | Promise<Cache>,
  skip: string | false,
) {
  describe(`${name} cache`, { skip }, () => {
    test('incr counts atomically in a fixed window', async () => {
      let now = 1_000_000;
      const cache = await make(() => now);
      const key = `adnova:test:${randomUUID()}`;
      try {
        const counts = await Promise.all(Array.from({ length: 20 }, () => cache.incr(key, 60)));
        assert.deepEqual(
          [...counts].sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => i + 1),
          'every caller gets its own count',
        );
        await cache.del(key);
        assert.equal(await cache.incr(key, 60), 1, 'deleting resets the window');
        if (name === 'memory') {
          now += 61_000;
          assert.equal(await cache.incr(key, 60), 1, 'a new window after the TTL');
        } else {
          const ttl = await cache.redis?.ttl(key);
          assert.ok(ttl !== undefined && ttl > 0 && ttl <= 60, 'the counter expires');
        }
      } finally {
        await cache.del(key);
        await cache.close();
      }
    });
  });
}

cacheContract('memory', (now) => createMemoryCache(now), false);
cacheContract(
  'redis',
  () => createRedisCache({ mode: 'standalone', url: REDIS_URL }),
  REDIS_URL ? false : REDIS_SKIP,
);

// Redis Cluster (issue 15): the cache's client is an ioredis Cluster, each key routed to its node.
const cluster = lazyRedisCluster();
after(() => cluster.stop());
announceClusterSkip('cache contract');
cacheContract('redis cluster', async () => createRedisCache((await cluster.get()).connection), CLUSTER_SKIP);
