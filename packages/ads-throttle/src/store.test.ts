import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { keySlot } from '@adnova/test-utils/key-slot';
import {
  announceClusterSkip,
  CLUSTER_SKIP,
  type RedisCluster,
  startRedisCluster,
} from '@adnova/test-utils/redis-cluster';
import { Cluster } from 'ioredis';
import { createFakeClock } from '../test/fake-clock.ts';
import { runStoreContract } from '../test/store-contract.ts';
import { redisVariant, storeVariants } from '../test/stores.ts';
import type { RedisClientLike } from './redis.store.ts';
import { storeKeys } from './store.ts';
import { createAdsThrottle } from './throttle.ts';

for (const variant of storeVariants()) runStoreContract(variant);

// The same contract on a real three-primary Redis Cluster (the store's keys share one hash slot).
announceClusterSkip('ads-throttle store contract');
let cluster: RedisCluster | undefined;
if (!CLUSTER_SKIP) {
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(() => cluster?.stop());
}
const clusterClient = () => {
  if (!cluster) throw new Error('the cluster did not start');
  return new Cluster(
    cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    { redisOptions: { maxRetriesPerRequest: 1 } },
  );
};
runStoreContract(redisVariant({ name: 'redis cluster', skip: CLUSTER_SKIP, connect: clusterClient }));

const hash = () => randomBytes(32).toString('hex');

describe('store keys on a Redis Cluster', () => {
  it('the slot function agrees with Redis (values from CLUSTER KEYSLOT, Redis 7.0)', () => {
    const fromRedis: Array<[string, number]> = [
      ['foo', 12_182],
      ['123456789', 12_739],
      ['{user1000}.following', 3443],
      ['foo{}{bar}', 8363],
      ['foo{{bar}}zap', 4015],
      ['foo{bar}{zap}', 5061],
      ['adnova:ads:views:{abc:def}', 4987],
      ['привет', 7365],
    ];
    for (const [key, slot] of fromRedis) assert.equal(keySlot(key), slot, key);
  });

  it("one viewer's count and block keys share a slot, whatever the hashes and prefix", () => {
    for (const prefix of ['', 'adnova:', 'ads-throttle-test:0f8e:', 'a:b:c:']) {
      const keys = storeKeys(prefix);
      for (let i = 0; i < 200; i++) {
        const [scope, viewer] = [hash(), hash()];
        assert.equal(keySlot(keys.count(scope, viewer)), keySlot(keys.block(scope, viewer)));
        assert.equal(keySlot(keys.count(scope, viewer)), keySlot(`{${scope}:${viewer}}`));
      }
    }
  });

  it('different viewers spread over the slots (the tag is the pair, not a constant)', () => {
    const keys = storeKeys('adnova:');
    const slots = new Set(Array.from({ length: 500 }, () => keySlot(keys.count(hash(), hash()))));
    assert.ok(slots.size > 450, `500 viewers in only ${slots.size} slots`);
  });

  it('every script call a throttle makes has all its keys in one slot', async () => {
    // A client that records each script's keys and answers like a store under a threshold of 3.
    const calls: string[][] = [];
    const counts = new Map<string, number>();
    const client: RedisClientLike = {
      async evalsha(_sha, numkeys, ...rest) {
        const keys = rest.slice(0, numkeys).map(String);
        calls.push(keys);
        if (numkeys === 2) {
          const n = (counts.get(keys[0] ?? '') ?? 0) + 1;
          counts.set(keys[0] ?? '', n);
          return n > 3 ? [0, n, 'exceeded', '60000'] : [1, n, n === 1 ? 'first' : 'under', '0'];
        }
        return 1;
      },
      async eval() {
        throw new Error('not reached: evalsha always answers');
      },
    };
    const throttle = createAdsThrottle({
      config: { hashSecret: 'x'.repeat(32), threshold: 3, keyPrefix: 'adnova:' },
      redis: client,
      clock: createFakeClock(),
    });
    for (let viewer = 0; viewer < 5; viewer++) {
      const input = { remoteAddress: `10.0.0.${viewer}`, headers: { 'user-agent': 'ua' }, path: '/p/' };
      for (let i = 0; i < 5; i++) await throttle.decide(input);
      await throttle.inspectViewer(input);
    }
    await throttle.close();
    const multiKey = calls.filter((keys) => keys.length > 1);
    assert.ok(multiKey.length >= 30, `${multiKey.length} multi-key calls`);
    for (const keys of calls) assert.equal(new Set(keys.map(keySlot)).size, 1, keys.join(' '));
  });
});
