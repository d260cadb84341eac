import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { RedisConnection } from '@adnova/core/cache/redis-connection';
import { announceClusterSkip, CLUSTER_SKIP, lazyRedisCluster } from '@adnova/test-utils/redis-cluster';
import { SENTINEL_SKIP, type SentinelGroup, startSentinelGroup } from '@adnova/test-utils/redis-sentinel';
import { Redis } from 'ioredis';
import { type BotStore, createMemoryStore, createRedisStore, createStore } from './store.ts';

const redisUrl = process.env.REDIS_URL;

/** The same contract for both stores (sessions and dialog state rely on it). */
function storeContract(
  name: string,
  make: () => Promise<{ store: BotStore; expire(key: string): Promise<void> }>,
  skip: string | false,
) {
  describe(`${name} bot store`, { skip }, () => {
    test('read back what was written, as a copy; delete; namespaces are separate', async () => {
      const { store } = await make();
      try {
        const a = store.adapter<{ n: number; list: string[] }>('a', 60);
        const b = store.adapter<{ n: number; list: string[] }>('b', 60);
        assert.equal(await a.read('k'), undefined);
        const value = { n: 1, list: ['x'] };
        await a.write('k', value);
        value.list.push('mutated');
        assert.deepEqual(await a.read('k'), { n: 1, list: ['x'] });
        assert.equal(await b.read('k'), undefined);
        await a.write('k', { n: 2, list: [] });
        assert.deepEqual(await a.read('k'), { n: 2, list: [] });
        await a.delete('k');
        assert.equal(await a.read('k'), undefined);
      } finally {
        await store.close();
      }
    });

    test('values expire after their TTL', async () => {
      const { store, expire } = await make();
      try {
        const a = store.adapter<string>('ttl', 60);
        await a.write('k', 'v');
        await expire('ttl:k');
        assert.equal(await a.read('k'), undefined);
      } finally {
        await store.close();
      }
    });
  });
}

storeContract(
  'memory',
  async () => {
    let now = 1_000_000;
    const store = createMemoryStore(() => now);
    return {
      store,
      async expire() {
        now += 61_000;
      },
    };
  },
  false,
);

/**
 * The contract's `expire` on a Redis store: Redis expires keys itself, so the contract only needs
 * the TTL set (at most 60 s), then the key gone.
 */
const redisFixture = (store: BotStore, redis: Pick<Redis, 'ttl' | 'pexpire'>, prefix: string) => ({
  store,
  async expire(key: string) {
    const ttl = await redis.ttl(`${prefix}${key}`);
    assert.ok(ttl > 0 && ttl <= 60, `TTL ${ttl}`);
    await redis.pexpire(`${prefix}${key}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
  },
});

storeContract(
  'Redis',
  async () => {
    const prefix = `adnova:test:bot-store:${randomUUID()}:`;
    const redis = new Redis(redisUrl ?? '');
    return redisFixture(createRedisStore(redis, prefix), redis, prefix);
  },
  redisUrl ? false : 'needs Redis (REDIS_URL)',
);

// Sessions behind Redis Sentinel (issue 15): the contract, then a primary crash under a live store.
const sentinelSkip =
  SENTINEL_SKIP || (redisUrl ? false : 'needs Redis (REDIS_URL): Sentinel variant skipped');
let group: Promise<SentinelGroup> | undefined;
const sentinelGroup = () => {
  group ??= startSentinelGroup();
  return group;
};
after(async () => (await group)?.stop());
const sentinelStore = async (prefix: string) => {
  const g = await sentinelGroup();
  const redis: RedisConnection = {
    mode: 'sentinel',
    sentinels: g.sentinels.split(',').map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    name: g.name,
    db: 0,
  };
  return createStore({ kind: 'redis', redis, keyPrefix: prefix });
};

storeContract(
  'Redis Sentinel',
  async () => {
    const prefix = `adnova:test:bot-store:${randomUUID()}:`;
    const store = await sentinelStore(prefix);
    assert.ok(store.redis);
    return redisFixture(store, store.redis, prefix);
  },
  sentinelSkip,
);

test('Redis Sentinel bot store: sessions are written and read on the promoted replica after a crash', {
  skip: sentinelSkip,
  timeout: 60_000,
}, async () => {
  const store = await sentinelStore(`adnova:test:bot-store:${randomUUID()}:`);
  try {
    const sessions = store.adapter<{ language: string }>('session', 600);
    await sessions.write('1', { language: 'ru' });
    const g = await sentinelGroup();
    await g.primary.kill('SIGKILL');
    const deadline = Date.now() + 45_000;
    for (;;) {
      try {
        await sessions.write('2', { language: 'en' });
        if ((await g.primaryPort()) === g.replica.port) break;
      } catch {
        // the store's commands fail until the sentinels promote the replica
      }
      assert.ok(Date.now() < deadline, 'no write succeeded on the promoted replica within 45 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(await sessions.read('2'), { language: 'en' });
    assert.equal(await g.primaryPort(), g.replica.port);
  } finally {
    await store.close();
  }
});

// Sessions on a Redis Cluster (issue 15): every key is read and written alone, so each goes to its
// own slot's node; the flood limiter (guards.ts) shares the same client.
const cluster = lazyRedisCluster();
after(() => cluster.stop());
announceClusterSkip('bot store');
storeContract(
  'Redis Cluster',
  async () => {
    const prefix = `adnova:test:bot-store:${randomUUID()}:`;
    const store = createStore({ kind: 'redis', redis: (await cluster.get()).connection, keyPrefix: prefix });
    assert.ok(store.redis);
    return redisFixture(store, store.redis, prefix);
  },
  CLUSTER_SKIP,
);
