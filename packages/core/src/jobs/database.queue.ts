import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { QueueConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import {
  type ClaimedJob,
  claimJobRows,
  completeJobRow,
  countJobRows,
  countLiveWorkerRows,
  deleteExpiredJobRows,
  deleteWorkerRow,
  failJobRow,
  failLostJobRows,
  findJobRow,
  insertJobRow,
  nextDueInMs,
  releaseJobRow,
  renewLeaseRows,
  retryJobRow,
  upsertWorkerRow,
} from './jobs.repo.ts';
import {
  backoffDelay,
  errorMessage,
  isRetryable,
  type JobHandlers,
  type JobQueue,
  NOOP_JOB,
  noopHandler,
  PermanentJobError,
} from './queue.ts';

/**
 * A claimed attempt is the worker's for this long; the worker renews it every third of it while
 * the attempt runs, so only a dead worker's jobs are claimed again (after at most this long).
 */
const LEASE_MS = 30_000;
const HEARTBEAT_MS = LEASE_MS / 3;
/** Expired results are swept this often. */
const CLEANUP_MS = 10 * 60_000;

type Running = { token: string; controller: AbortController; done: Promise<void> };

/**
 * The job queue over the database's `jobs` table, run by the process itself: used when no Redis
 * is configured, so embedded mode needs nothing external. Jobs are rows, so queued and retrying
 * work survives restarts; on one PostgreSQL several processes share the table safely (claims use
 * SKIP LOCKED, results and retries are guarded by the attempt's lease token).
 */
export function createDatabaseQueue(
  config: QueueConfig & { kind: 'database' },
  database: Database,
  log: Logger,
): JobQueue {
  const db = database.db;
  const workerId = randomUUID();
  const running = new Map<string, Running>();
  let handlers: JobHandlers | undefined;
  let stopping = false;
  let cycling = false;
  let cycleAgain = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let cleanupTimer: NodeJS.Timeout | undefined;

  const schedule = (delayMs: number) => {
    if (stopping || !handlers) return;
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(() => void cycle(), delayMs);
  };
  const wake = () => schedule(0);

  async function cycle(): Promise<void> {
    if (stopping || !handlers) return;
    if (cycling) {
      cycleAgain = true;
      return;
    }
    cycling = true;
    let next = config.pollIntervalMs;
    try {
      do {
        cycleAgain = false;
        const free = config.concurrency - running.size;
        if (free <= 0) break;
        await failLostJobRows(db);
        const claimed = await claimJobRows(db, free, LEASE_MS);
        for (const job of claimed) start(job);
        if (claimed.length === free) cycleAgain = true;
      } while (cycleAgain && !stopping);
      if (running.size < config.concurrency) {
        const due = await nextDueInMs(db);
        // At least a few ms, so rows another process holds locked cannot make this spin.
        if (due !== undefined) next = Math.min(next, Math.max(5, Math.ceil(due)));
      }
    } catch (error) {
      if (!stopping) log.error({ err: error }, 'job queue: claiming jobs failed');
    } finally {
      cycling = false;
    }
    schedule(next);
  }

  function start(job: ClaimedJob): void {
    const controller = new AbortController();
    const run = async () => {
      const handler = handlers?.[job.kind];
      try {
        if (!handler) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
        const result = await handler(job.payload, {
          id: job.id,
          attempt: job.attempts,
          signal: controller.signal,
        });
        await completeJobRow(db, job.id, job.token, result);
      } catch (error) {
        if (controller.signal.aborted) {
          await releaseJobRow(db, job.id, job.token);
          return;
        }
        const message = errorMessage(error);
        if (!isRetryable(error) || job.attempts >= job.maxAttempts) {
          log.warn({ job: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed');
          await failJobRow(db, job.id, job.token, message);
        } else {
          log.info(
            { job: job.id, kind: job.kind, attempt: job.attempts, error: message },
            'job will be retried',
          );
          await retryJobRow(db, job.id, job.token, message, backoffDelay(config.backoffMs, job.attempts));
        }
      }
    };
    const done = run()
      .catch((error: unknown) => {
        // The outcome could not be written (database gone); the lease runs out and the job is
        // claimed again, so nothing is lost.
        if (!stopping) log.error({ err: error, job: job.id }, 'job queue: recording a job outcome failed');
      })
      .finally(() => {
        running.delete(job.id);
        wake();
      });
    running.set(job.id, { token: job.token, controller, done });
  }

  async function heartbeat(): Promise<void> {
    try {
      await upsertWorkerRow(db, workerId, `${hostname()}:${process.pid}`);
      await renewLeaseRows(
        db,
        [...running.values()].map((r) => r.token),
        LEASE_MS,
      );
    } catch (error) {
      if (!stopping) log.warn({ err: error }, 'job queue: heartbeat failed');
    }
  }

  async function cleanup(): Promise<void> {
    try {
      await deleteExpiredJobRows(db);
    } catch (error) {
      if (!stopping) log.warn({ err: error }, 'job queue: removing expired jobs failed');
    }
  }

  return {
    kind: 'database',

    async enqueue(kind, payload, options = {}) {
      const id = options.id ?? randomUUID();
      await insertJobRow(db, {
        id,
        kind,
        payload,
        maxAttempts: options.attempts ?? config.attempts,
        keepSeconds: options.keepSeconds ?? config.resultTtlSeconds,
      });
      wake();
      return id;
    },

    getJob: (id) => findJobRow(db, id),

    async work(jobHandlers) {
      if (handlers) throw new Error('this queue already has a worker');
      handlers = { [NOOP_JOB]: noopHandler, ...jobHandlers };
      await upsertWorkerRow(db, workerId, `${hostname()}:${process.pid}`);
      await cleanup();
      heartbeatTimer = setInterval(() => void heartbeat(), HEARTBEAT_MS);
      cleanupTimer = setInterval(() => void cleanup(), CLEANUP_MS);
      heartbeatTimer.unref();
      cleanupTimer.unref();
      wake();
    },

    // A worker heartbeats every HEARTBEAT_MS; two missed beats mean it is gone.
    countWorkers: () => countLiveWorkerRows(db, 3 * HEARTBEAT_MS),

    countJobs: () => countJobRows(db),

    async close() {
      if (stopping) return;
      stopping = true;
      clearTimeout(wakeTimer);
      clearInterval(heartbeatTimer);
      clearInterval(cleanupTimer);
      // A claim in flight may still start jobs: let it finish first, then interrupt everything.
      while (cycling) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const r of running.values()) r.controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      if (handlers) await deleteWorkerRow(db, workerId).catch(() => {});
    },
  };
}
