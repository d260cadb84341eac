import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdsThrottle } from '@adnova/ads-throttle';
import { Cluster } from 'ioredis';
import { keySlot } from '../../../ads-throttle/test/key-slot.ts';
import { runStoreContract } from '../../../ads-throttle/test/store-contract.ts';
import { deleteByPrefix, redisVariant } from '../../../ads-throttle/test/stores.ts';
import {
  announceClusterSkip,
  CLUSTER_SKIP,
  type RedisCluster,
  startRedisCluster,
} from '../../test/redis-cluster.ts';
import { type Cache, createRedisCache } from './cache.ts';

/**
 * Issue 15: the ads throttle's counters on a real Redis Cluster, through the client the platform
 * gives it (the cache's, as deps.ts wires it). The cache and job-queue contracts run on a cluster
 * in their own files (cache.test.ts, queue.test.ts).
 */

announceClusterSkip('ads-throttle');

let cluster: RedisCluster | undefined;
const caches: Cache[] = [];
/** A client as the platform makes it: the cache's connection to the cluster. */
const platformClient = () => {
  if (!cluster) throw new Error('the cluster did not start');
  const cache = createRedisCache(cluster.connection);
  caches.push(cache);
  if (!(cache.redis instanceof Cluster)) throw new Error('the cache did not open a Cluster client');
  return cache.redis;
};
if (!CLUSTER_SKIP) {
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    await cluster?.stop();
  });
}

runStoreContract(redisVariant({ name: 'redis cluster', skip: CLUSTER_SKIP, connect: platformClient }));

describe('ads throttle on a Redis Cluster', { skip: CLUSTER_SKIP }, () => {
  test('decisions count and block every viewer, whose keys spread over all three nodes', async () => {
    const client = platformClient();
    const keyPrefix = `adnova:test:${randomUUID()}:`;
    const throttle = createAdsThrottle({
      config: { hashSecret: 'x'.repeat(32), threshold: 3, blockSeconds: 600, keyPrefix },
      redis: client,
    });
    try {
      const viewers = Array.from({ length: 30 }, (_, i) => ({
        remoteAddress: `10.1.0.${i}`,
        headers: { 'user-agent': 'cluster-test' },
        path: '/ads',
      }));
      for (const viewer of viewers) {
        const reasons: string[] = [];
        for (let i = 0; i < 5; i++) reasons.push((await throttle.decide(viewer)).reason);
        assert.deepEqual(reasons, ['ok', 'ok', 'ok', 'threshold', 'blocked']);
        const state = await throttle.inspectViewer(viewer);
        assert.equal(state.count, null, 'the block cleared the window');
        assert.ok(state.blockedForMs !== null && state.blockedForMs > 0);
      }
      assert.equal(throttle.stats().failures.store, 0);

      // Every block key sits on the node that owns its slot, next to its count key's slot, and the
      // viewers are spread: each of the three primaries holds some of them.
      const perNode: number[] = [];
      for (const node of client.nodes('master')) {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', `${keyPrefix}ads:block:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...found);
        } while (cursor !== '0');
        perNode.push(keys.length);
        for (const key of keys) {
          assert.equal(Number(await node.call('CLUSTER', 'KEYSLOT', key)), keySlot(key));
          assert.equal(keySlot(key), keySlot(key.replace(':block:', ':views:')));
        }
      }
      assert.equal(
        perNode.reduce((a, b) => a + b, 0),
        viewers.length,
      );
      assert.ok(
        perNode.every((n) => n > 0),
        `block keys per node: ${perNode.join(', ')}`,
      );
    } finally {
      await throttle.close();
      await deleteByPrefix(client, keyPrefix);
    }
  });
});
