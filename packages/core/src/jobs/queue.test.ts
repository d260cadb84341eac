import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { announceClusterSkip, CLUSTER_SKIP, lazyRedisCluster } from '@adnova/test-utils/redis-cluster';
import {
  createTestDatabase,
  DATABASE_URL,
  POSTGRES_SKIP,
  REDIS_SKIP,
  REDIS_URL,
} from '@adnova/test-utils/stores';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import type { RedisConnection } from '../cache/redis-connection.ts';
import type { DatabaseConfig, QueueSettings } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createBullmqQueue } from './bullmq.queue.ts';
import { createDatabaseQueue } from './database.queue.ts';
import { nextDueInMs } from './jobs.repo.ts';
import { type JobInfo, type JobQueue, PermanentJobError, pingQueue } from './queue.ts';

const log = pino({ level: 'silent' });
const settings: QueueSettings = {
  attempts: 3,
  backoffMs: 20,
  concurrency: 4,
  resultTtlSeconds: 3600,
  pollIntervalMs: 50,
};

/** Where a suite's jobs live; `make` is one process's queue, `restart` simulates a process restart. */
type Store = { make(): JobQueue; restart(): Promise<void>; close(): Promise<void> };

async function databaseStore(config: DatabaseConfig, cleanup: () => Promise<void>): Promise<Store> {
  let database: Database = await openDatabase(config);
  await database.migrate();
  const queues: JobQueue[] = [];
  return {
    make() {
      const queue = createDatabaseQueue({ kind: 'database', ...settings }, database, log);
      queues.push(queue);
      return queue;
    },
    async restart() {
      await Promise.all(queues.splice(0).map((q) => q.close()));
      await database.close();
      database = await openDatabase(config);
    },
    async close() {
      await Promise.all(queues.splice(0).map((q) => q.close()));
      await database.close();
      await cleanup();
    },
  };
}

// One Redis Cluster (issue 15) for the file, started by the first test that uses it.
const cluster = lazyRedisCluster();
after(() => cluster.stop());
announceClusterSkip('queue contract');

const variants: { name: string; skip: string | false; open(): Promise<Store> }[] = [
  {
    name: 'database queue on PGlite',
    skip: false,
    async open() {
      // On disk, so a restart really reopens the database.
      const dir = await mkdtemp(join(tmpdir(), 'adnova-queue-'));
      return databaseStore({ kind: 'pglite', dataDir: join(dir, 'pglite') }, () =>
        rm(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'database queue on PostgreSQL',
    skip: DATABASE_URL ? false : POSTGRES_SKIP,
    async open() {
      const db = await createTestDatabase();
      return databaseStore({ kind: 'postgres', url: db.url, poolSize: 5 }, db.drop);
    },
  },
  {
    name: 'BullMQ queue on Redis',
    skip: REDIS_URL ? false : REDIS_SKIP,
    open: () =>
      bullmqStore(
        { mode: 'standalone', url: REDIS_URL },
        `adnova:test:${randomUUID()}:queue`,
        () => new Redis(REDIS_URL),
      ),
  },
  {
    // Issue 15: BullMQ's scripts touch many keys of a queue at once, so on a cluster its prefix is
    // one {hash tag} (the config's default there is {adnova:queue}).
    name: 'BullMQ queue on Redis Cluster',
    skip: CLUSTER_SKIP,
    async open() {
      const { connection } = await cluster.get();
      return bullmqStore(
        connection,
        `{adnova:test:${randomUUID()}:queue}`,
        () => new Cluster(connection.nodes),
      );
    },
  },
];

/** BullMQ queues under a fresh prefix; `admin` opens a client that deletes the prefix's keys after. */
async function bullmqStore(
  redis: RedisConnection,
  keyPrefix: string,
  admin: () => Redis | Cluster,
): Promise<Store> {
  const queues: JobQueue[] = [];
  return {
    make() {
      const queue = createBullmqQueue({ kind: 'bullmq', redis, keyPrefix, ...settings }, log);
      queues.push(queue);
      return queue;
    },
    async restart() {
      await Promise.all(queues.splice(0).map((q) => q.close()));
    },
    async close() {
      await Promise.all(queues.splice(0).map((q) => q.close()));
      const client = admin();
      // On a cluster the keys (one hash tag) live on one node, which KEYS on any other would miss.
      for (const node of client instanceof Cluster ? client.nodes('master') : [client]) {
        const keys = await node.keys(`${keyPrefix}:*`);
        for (const key of keys) await node.del(key);
      }
      client.disconnect();
    },
  };
}

if (!REDIS_URL || !DATABASE_URL) {
  console.warn(
    `\x1b[33m*** queue contract: ${[!DATABASE_URL && POSTGRES_SKIP, !REDIS_URL && REDIS_SKIP].filter(Boolean).join('; ')} ***\x1b[0m`,
  );
}

/** Polls the job until `done` holds (the queue is real and asynchronous; no fixed sleeps). */
async function waitFor(
  queue: JobQueue,
  id: string,
  done: (job: JobInfo | undefined) => boolean,
  timeoutMs = 10_000,
): Promise<JobInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    if (done(job)) return job;
    if (Date.now() > deadline) assert.fail(`job ${id} still ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const finished = (job: JobInfo | undefined) => job?.status === 'SUCCESS' || job?.status === 'FAILURE';

/** A promise with its resolve function, to hold a handler mid-attempt. */
function latch() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

for (const variant of variants) {
  describe(`job queue contract: ${variant.name}`, { skip: variant.skip }, () => {
    const withStore = async (t: { after(fn: () => Promise<void>): void }) => {
      const store = await variant.open();
      t.after(() => store.close());
      return store;
    };

    test('PENDING until a worker runs it, STARTED while it runs, then SUCCESS with the result', async (t) => {
      const store = await withStore(t);
      const queue = store.make();
      assert.equal(await queue.getJob(randomUUID()), undefined, 'unknown id');
      const id = randomUUID();
      assert.equal(await queue.enqueue('echo', { word: 'hello' }, { id }), id);
      const pending = await queue.getJob(id);
      assert.deepEqual(pending, {
        id,
        kind: 'echo',
        status: 'PENDING',
        attempts: 0,
        result: null,
        error: null,
      });
      assert.equal(await queue.countWorkers(), 0);
      assert.deepEqual(await queue.countJobs(), { PENDING: 1, STARTED: 0, RETRY: 0, SUCCESS: 0, FAILURE: 0 });

      const gate = latch();
      const started = latch();
      await queue.work({
        echo: async (payload, context) => {
          started.open();
          await gate.opened;
          return { echoed: (payload as { word: string }).word, attempt: context.attempt, id: context.id };
        },
      });
      await started.opened;
      assert.equal((await queue.getJob(id))?.status, 'STARTED');
      assert.ok((await queue.countWorkers()) >= 1, 'a worker is counted');
      gate.open();
      const job = await waitFor(queue, id, finished);
      assert.deepEqual(job, {
        id,
        kind: 'echo',
        status: 'SUCCESS',
        attempts: 1,
        result: { echoed: 'hello', attempt: 1, id },
        error: null,
      });
      assert.equal((await queue.countJobs()).SUCCESS, 1);
    });

    test('failed attempts are retried with backoff (RETRY in between) until one succeeds', async (t) => {
      const store = await withStore(t);
      const queue = store.make();
      const attempts: number[] = [];
      const times: number[] = [];
      const failedOnce = latch();
      const secondFailure = latch();
      const release = latch();
      await queue.work({
        flaky: async (_payload, context) => {
          attempts.push(context.attempt);
          times.push(Date.now());
          if (context.attempt === 1) {
            failedOnce.open();
            throw new Error('LLM endpoint answered HTTP 503');
          }
          if (context.attempt === 2) {
            secondFailure.open();
            await release.opened;
            throw new Error('still down');
          }
          return 'done';
        },
      });
      const id = await queue.enqueue('flaky', {});
      await secondFailure.opened;
      // Between attempts: RETRY with the last error (first seen before the second attempt ran).
      await failedOnce.opened;
      release.open();
      const retrying = await waitFor(queue, id, (j) => j?.status === 'RETRY' || finished(j));
      if (retrying?.status === 'RETRY') assert.match(retrying.error ?? '', /still down|HTTP 503/);
      const job = await waitFor(queue, id, finished);
      assert.equal(job?.status, 'SUCCESS');
      assert.equal(job?.result, 'done');
      assert.equal(job?.attempts, 3);
      assert.deepEqual(attempts, [1, 2, 3]);
      // Exponential backoff: at least 20 ms, then at least 40 ms.
      assert.ok(
        (times[1] ?? 0) - (times[0] ?? 0) >= 15,
        `first backoff ${(times[1] ?? 0) - (times[0] ?? 0)} ms`,
      );
      assert.ok(
        (times[2] ?? 0) - (times[1] ?? 0) >= 35,
        `second backoff ${(times[2] ?? 0) - (times[1] ?? 0)} ms`,
      );
    });

    test('FAILURE after the last attempt, at once for permanent errors and unknown kinds', async (t) => {
      const store = await withStore(t);
      const queue = store.make();
      let permanentRuns = 0;
      await queue.work({
        broken: async () => {
          throw new Error('always fails');
        },
        refused: async () => {
          permanentRuns++;
          throw new PermanentJobError('bad credentials');
        },
      });
      const broken = await queue.enqueue('broken', {}, { attempts: 2 });
      const refused = await queue.enqueue('refused', {});
      const unknown = await queue.enqueue('nobody-handles-this', {});
      assert.deepEqual(await waitFor(queue, broken, finished), {
        id: broken,
        kind: 'broken',
        status: 'FAILURE',
        attempts: 2,
        result: null,
        error: 'always fails',
      });
      const refusedJob = await waitFor(queue, refused, finished);
      assert.equal(refusedJob?.status, 'FAILURE');
      assert.equal(refusedJob?.attempts, 1);
      assert.match(refusedJob?.error ?? '', /bad credentials/);
      assert.equal(permanentRuns, 1);
      const unknownJob = await waitFor(queue, unknown, finished);
      assert.equal(unknownJob?.status, 'FAILURE');
      assert.match(unknownJob?.error ?? '', /no handler for job kind "nobody-handles-this"/);
    });

    test('accepted jobs survive a restart, and run once a worker is back', async (t) => {
      const store = await withStore(t);
      const api = store.make();
      const ids = await Promise.all([1, 2, 3].map((n) => api.enqueue('square', { n })));
      await store.restart();
      const worker = store.make();
      await worker.work({ square: async (payload) => (payload as { n: number }).n ** 2 });
      const results = await Promise.all(ids.map((id) => waitFor(worker, id, finished)));
      assert.deepEqual(
        results.map((j) => j?.result),
        [1, 4, 9],
      );
    });

    test('an attempt interrupted by shutdown goes back to the queue without spending an attempt', async (t) => {
      const store = await withStore(t);
      const first = store.make();
      const started = latch();
      await first.work({
        slow: (_payload, context) =>
          new Promise((_, reject) => {
            started.open();
            context.signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      });
      const id = await first.enqueue('slow', {}, { attempts: 1 });
      await started.opened;
      await first.close();
      const back = await first.getJob(id).catch(() => undefined);
      if (back) assert.equal(back.status, 'PENDING');
      await store.restart();
      const second = store.make();
      await second.work({ slow: async (_payload, context) => `attempt ${context.attempt}` });
      const job = await waitFor(second, id, finished);
      assert.equal(job?.status, 'SUCCESS');
      assert.equal(job?.result, 'attempt 1');
    });

    test('two workers share the jobs: each runs exactly once; the health no-op goes through', async (t) => {
      const store = await withStore(t);
      const runs = new Map<number, number>();
      const handlers = {
        count: async (payload: unknown) => {
          const n = (payload as { n: number }).n;
          runs.set(n, (runs.get(n) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 2));
          return n;
        },
      };
      const one = store.make();
      const two = store.make();
      await one.work(handlers);
      await two.work(handlers);
      const ids = await Promise.all(Array.from({ length: 40 }, (_, n) => one.enqueue('count', { n })));
      await Promise.all(ids.map((id) => waitFor(two, id, finished)));
      assert.equal(runs.size, 40);
      assert.ok(
        [...runs.values()].every((count) => count === 1),
        JSON.stringify([...runs]),
      );
      await pingQueue(two, 2800);
      assert.ok((await one.countWorkers()) >= 2);
    });
  });
}

test('an idle database queue waits for its poll interval instead of polling every few ms', async () => {
  const database = await openDatabase({ kind: 'pglite-memory' });
  try {
    await database.migrate();
    assert.equal(await nextDueInMs(database.db), undefined, 'no job waiting: nothing is due');
    let statements = 0;
    const counting: Database = {
      ...database,
      db: new Proxy(database.db, {
        get(target, key, receiver) {
          if (key === 'execute') statements++;
          return Reflect.get(target, key, receiver);
        },
      }),
    };
    // Idle for 500 ms at a 200 ms poll interval: a few cycles of 3 statements, not hundreds.
    const queue = createDatabaseQueue({ kind: 'database', ...settings, pollIntervalMs: 200 }, counting, log);
    await queue.work({});
    await new Promise((resolve) => setTimeout(resolve, 500));
    await queue.close();
    assert.ok(statements <= 20, `${statements} statements in 500 ms`);
  } finally {
    await database.close();
  }
});
