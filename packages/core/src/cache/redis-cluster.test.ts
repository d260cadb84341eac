import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdsThrottle } from '@adnova/ads-throttle';
import { keySlot } from '@adnova/test-utils/key-slot';
import {
  announceClusterSkip,
  CLUSTER_SKIP,
  type RedisCluster,
  startRedisCluster,
} from '@adnova/test-utils/redis-cluster';
import { deleteByPrefix } from '@adnova/test-utils/redis-keys';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { createBullmqQueue } from '../jobs/bullmq.queue.ts';
import type { JobInfo, JobQueue } from '../jobs/queue.ts';
import { type Cache, createRedisCache } from './cache.ts';

/**
 * Issue 15: the platform's Redis clients on a real Redis Cluster. The ads throttle's decisions,
 * through the client the platform gives it (the cache's, as deps.ts wires it); then the cache,
 * the throttle and the BullMQ worker through a cluster outage. The cache, job-queue and throttle
 * store contracts run on a cluster in their own files (cache.test.ts, queue.test.ts, and
 * ads-throttle's store.test.ts).
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

/** Retries `run` every 100 ms until it resolves (the cluster heals in steps); fails after `ms`. */
async function eventually<T>(what: string, ms: number, run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${ms} ms`, { cause: error });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A cache, a throttle on its client and a BullMQ queue with a worker, as the platform makes them. */
async function platformParts(c: RedisCluster, t: { after(fn: () => Promise<void>): void }) {
  const cache = createRedisCache(c.connection);
  caches.push(cache);
  const keyPrefix = `adnova:test:${randomUUID()}:`;
  const throttle = createAdsThrottle({
    // No circuit breaker: every decision below goes to the cluster.
    config: { hashSecret: 'x'.repeat(32), keyPrefix, breakerFailures: 0 },
    redis: cache.redis,
  });
  t.after(() => throttle.close());
  const queuePrefix = `{adnova:test:${randomUUID()}:queue}`;
  const queue: JobQueue = createBullmqQueue(
    {
      kind: 'bullmq',
      redis: c.connection,
      keyPrefix: queuePrefix,
      attempts: 3,
      backoffMs: 100,
      concurrency: 2,
      resultTtlSeconds: 600,
      pollIntervalMs: 100,
    },
    pino({ level: 'silent' }),
  );
  t.after(() => queue.close());
  await queue.work({ echo: async (payload) => payload });
  const jobDone = async (payload: string): Promise<JobInfo | undefined> => {
    const id = await eventually('enqueueing', 30_000, () => queue.enqueue('echo', payload));
    return eventually('the job', 30_000, async () => {
      const job = await queue.getJob(id);
      if (job?.status !== 'SUCCESS') throw new Error(`job ${JSON.stringify(job)}`);
      return job;
    });
  };
  return { cache, throttle, keyPrefix, queuePrefix, jobDone };
}

/**
 * A primary goes away and comes back (crashed and restarted, or frozen and thawed); the cache, the
 * throttle and a BullMQ worker built as the platform builds them must work again on their own.
 * The node that fails is not the queue's: its hash tag keeps all its keys on one node, which stays
 * up. That is the case BullMQ's worker did not survive while ioredis's cluster ready check was on
 * (the freeze): a slots refresh timed out, BullMQ reconnected its blocking client while the
 * cluster said cluster_state:fail, the ready check failed, ioredis's connect() promise never
 * settled, and the worker waited on it for good.
 */
for (const outage of ['crashes', 'freezes'] as const) {
  test(`after a primary ${outage} and comes back, cache, throttle and BullMQ worker work again by themselves`, {
    skip: CLUSTER_SKIP,
    timeout: 120_000,
  }, async (t) => {
    if (!cluster) throw new Error('the cluster did not start');
    const c = cluster;
    const { cache, throttle, queuePrefix, keyPrefix, jobDone } = await platformParts(c, t);

    const queuePort = await c.portOfSlot(keySlot(queuePrefix));
    const victim = c.ports.find((port) => port !== queuePort) ?? 0;
    /** A viewer whose throttle keys live on (or off) the failing node. */
    const viewerWhere = async (onVictim: boolean) => {
      for (let i = 0; ; i++) {
        const viewer = { remoteAddress: `10.2.0.${i}`, headers: { 'user-agent': outage }, path: '/ads' };
        const { scopeHash, viewerHash } = throttle.resolveViewer(viewer);
        if (((await c.portOfSlot(keySlot(`{${scopeHash}:${viewerHash}}`))) === victim) === onVictim)
          return viewer;
      }
    };
    const onVictim = await viewerWhere(true);
    const offVictim = await viewerWhere(false);
    const liveKey = `${keyPrefix}{${queuePrefix}}probe`;

    assert.equal((await jobDone('before'))?.result, 'before');
    assert.equal((await throttle.decide(onVictim)).reason, 'ok');
    assert.equal((await throttle.decide(offVictim)).reason, 'ok');

    const downAt = Date.now();
    if (outage === 'crashes') await c.crash(victim);
    else c.pause(victim);
    const timed = async (viewer: typeof onVictim) => {
      const at = Date.now();
      const decision = await throttle.decide(viewer);
      return { decision, ms: Date.now() - at };
    };
    // Whatever happens below, the next test gets the whole cluster back.
    t.after(() => (outage === 'crashes' ? c.restart(victim) : c.resume(victim)));
    const decisions = Promise.all([timed(onVictim), timed(offVictim)]);
    await c.waitForState('fail', 30_000);
    const failedAfterMs = Date.now() - downAt;
    // A key on a node that still runs: refused while the cluster is down.
    const probedAt = Date.now();
    const probe = cache.get(liveKey).then(
      () => ({ rejected: false, ms: Date.now() - probedAt }),
      () => ({ rejected: true, ms: Date.now() - probedAt }),
    );
    // A crashed node refuses connections, so everything fails at once, the throttle open. A frozen
    // one answers nothing and nothing gives up on it: no command timeout, and ioredis sends a
    // command refused with CLUSTERDOWN again to a random node, so any command may end up waiting on
    // it. With a replica the failover would move its slots and end the wait; here it thaws.
    if (outage === 'freezes') {
      // Long enough for the BullMQ worker's blocking client to reconnect while the cluster fails.
      await new Promise((r) => setTimeout(r, 5000));
      c.resume(victim);
    }
    const [onFailed, offFailed] = await decisions;
    const probed = await probe;
    for (const { decision } of [onFailed, offFailed]) assert.equal(decision.show, true);
    if (outage === 'crashes') {
      assert.equal(onFailed.decision.reason, 'error');
      assert.ok(probed.rejected, 'a command during the outage');
      for (const ms of [onFailed.ms, offFailed.ms, probed.ms]) assert.ok(ms < 10_000, `${ms} ms`);
      await c.restart(victim);
    }

    await c.waitForState('ok', 60_000);
    const healedAfterMs = Date.now() - downAt;
    await eventually('the cache', 30_000, () => cache.set(liveKey, 'ok', 60));
    assert.equal(await cache.get(liveKey), 'ok');
    for (const viewer of [onVictim, offVictim]) {
      const decision = await eventually('the throttle', 30_000, async () => {
        const again = await throttle.decide(viewer);
        if (again.reason === 'error') throw new Error('still failing');
        return again;
      });
      assert.equal(decision.reason, 'ok');
    }
    assert.equal((await jobDone('after'))?.result, 'after');
    t.diagnostic(
      `report: redis cluster, a primary ${outage}: cluster_state:fail after ${failedAfterMs} ms ` +
        `(cluster-node-timeout 2000); throttle decisions meanwhile (shown: ${onFailed.decision.reason}, ${offFailed.decision.reason}) took ` +
        `${onFailed.ms} ms (viewer on the failed node), ${offFailed.ms} ms (elsewhere); a cache read ${probed.ms} ms ` +
        `(${probed.rejected ? 'refused' : 'answered'}); ok ${healedAfterMs} ms after the failure, ` +
        `a job ran ${Date.now() - downAt} ms after it`,
    );
    await deleteByPrefix(cache.redis as Cluster, keyPrefix);
  });
}

test('with every node down, the cache fails at once and the throttle shows ads; all works again after', {
  skip: CLUSTER_SKIP,
  timeout: 120_000,
}, async (t) => {
  if (!cluster) throw new Error('the cluster did not start');
  const c = cluster;
  const { cache, throttle, keyPrefix, jobDone } = await platformParts(c, t);
  const viewer = { remoteAddress: '10.3.0.1', headers: { 'user-agent': 'all down' }, path: '/ads' };
  assert.equal((await jobDone('before'))?.result, 'before');
  assert.equal((await throttle.decide(viewer)).reason, 'ok');

  t.after(async () => {
    for (const port of c.ports) await c.restart(port);
  });
  const downAt = Date.now();
  for (const port of c.ports) await c.crash(port);
  // A Cluster queues commands while it has no node, beyond the per-node retry bound: they waited
  // for good (a read on one server fails after 2 retries). Now they fail at once, as there.
  const readAt = Date.now();
  await assert.rejects(cache.get(`${keyPrefix}probe`));
  const readMs = Date.now() - readAt;
  const decidedAt = Date.now();
  const during = await throttle.decide(viewer);
  const decisionMs = Date.now() - decidedAt;
  assert.deepEqual([during.show, during.reason], [true, 'error']);
  assert.ok(readMs < 3000 && decisionMs < 3000, `read ${readMs} ms, decision ${decisionMs} ms`);

  for (const port of c.ports) await c.restart(port);
  await c.waitForState('ok', 60_000);
  await eventually('the cache', 30_000, () => cache.set(`${keyPrefix}probe`, 'ok', 60));
  const after = await eventually('the throttle', 30_000, async () => {
    const decision = await throttle.decide(viewer);
    if (decision.reason === 'error') throw new Error('still failing');
    return decision;
  });
  // The restarted nodes kept no data (no persistence in the test): the window starts again.
  assert.equal(after.reason, 'ok');
  assert.equal((await jobDone('after'))?.result, 'after');
  t.diagnostic(
    `report: redis cluster, every node down: a cache read failed in ${readMs} ms, a throttle decision ` +
      `showed ads in ${decisionMs} ms; cache, throttle and a job worked again ${Date.now() - downAt} ms after the crash`,
  );
});
