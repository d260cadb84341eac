import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { type BotStore, createMemoryStore, createRedisStore } from './store.ts';

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

storeContract(
  'Redis',
  async () => {
    const prefix = `adnova:test:bot-store:${randomUUID()}:`;
    const redis = new Redis(redisUrl ?? '');
    const store = createRedisStore(redis, prefix);
    return {
      store,
      // Redis expires keys itself; the contract only needs the TTL to be set, then the key gone.
      async expire(key: string) {
        const ttl = await redis.ttl(`${prefix}${key}`);
        assert.ok(ttl > 0 && ttl <= 60, `TTL ${ttl}`);
        await redis.pexpire(`${prefix}${key}`, 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    };
  },
  redisUrl ? false : 'needs Redis (REDIS_URL)',
);
