import { randomUUID } from 'node:crypto';
import {
  type ConnectionOptions,
  DelayedError,
  type Job,
  type JobState,
  Queue,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import type { Logger } from 'pino';
import { createRedisClient, type RedisClient, redisOptions } from '../cache/redis-connection.ts';
import type { QueueConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import {
  errorMessage,
  isRetryable,
  type JobHandlers,
  type JobInfo,
  type JobQueue,
  type JobStatus,
  NOOP_JOB,
  noopHandler,
} from './queue.ts';

/** One BullMQ queue carries every kind of job; the kind is the BullMQ job name. */
const QUEUE_NAME = 'jobs';
/** Redis calls from request paths give up after this long instead of waiting for a reconnect. */
const OPERATION_TIMEOUT_MS = 5000;
/**
 * How long a close waits for running jobs and Redis before it drops the connections: within the
 * default 10 s shutdown bound (SHUTDOWN_TIMEOUT_MS), leaving time for the pools after it.
 */
const CLOSE_GRACE_MS = 3000;

function withTimeout<T>(promise: Promise<T>, what: string, ms = OPERATION_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * BullMQ's states in Celery's vocabulary: a job waiting after a failed attempt is a RETRY. The
 * state is read before the job's data, so a finished state always comes with its result.
 */
function toJobInfo(state: JobState | 'unknown', job: Job): JobInfo | undefined {
  let status: JobStatus;
  switch (state) {
    case 'unknown':
      return undefined;
    case 'completed':
      status = 'SUCCESS';
      break;
    case 'failed':
      status = 'FAILURE';
      break;
    case 'active':
      status = 'STARTED';
      break;
    default:
      status = job.attemptsMade > 0 ? 'RETRY' : 'PENDING';
  }
  return {
    id: job.id ?? '',
    kind: job.name,
    status,
    attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade),
    result: status === 'SUCCESS' ? (job.returnvalue ?? null) : null,
    error: status === 'RETRY' || status === 'FAILURE' ? job.failedReason || null : null,
  };
}

/**
 * The job queue on Redis with BullMQ (when `REDIS_URL` is set): jobs live in Redis, so they
 * survive API restarts and any number of worker processes share them. Finished jobs are kept
 * `resultTtlSeconds` (BullMQ evicts them lazily, when later jobs finish, so possibly longer).
 */
export function createBullmqQueue(config: QueueConfig & { kind: 'bullmq' }, log: Logger): JobQueue {
  // BullMQ opens its own connections from options; a cluster it must be handed as a client, and
  // closing the queue leaves a handed client open, so those are closed here.
  const clusterClients: RedisClient[] = [];
  const connection = (extra: {
    enableOfflineQueue?: boolean;
    maxRetriesPerRequest?: null;
  }): ConnectionOptions => {
    // ioredis's options, which BullMQ's own declaration of them does not name one for one.
    if (config.redis.mode !== 'cluster') return redisOptions(config.redis, extra) as ConnectionOptions;
    const client = createRedisClient(config.redis, extra);
    clusterClients.push(client);
    return client;
  };
  // Enqueueing from an HTTP request must fail fast while Redis is down, not queue in memory.
  const queue = new Queue(QUEUE_NAME, {
    connection: connection({ enableOfflineQueue: false }),
    prefix: config.keyPrefix,
  });
  queue.on('error', (error) => log.warn({ err: error }, 'job queue: Redis error'));
  let worker: Worker | undefined;
  const interruptible = new Set<AbortController>();
  let closed = false;

  const unavailable = (error: unknown): AppError => {
    log.warn({ err: error }, 'job queue unavailable');
    return new AppError('UNAVAILABLE', 'The job queue is unavailable; try again later.');
  };

  return {
    kind: 'bullmq',

    async enqueue(kind, payload, options = {}) {
      const keep = options.keepSeconds ?? config.resultTtlSeconds;
      try {
        const job = await withTimeout(
          queue.add(kind, payload ?? null, {
            // UUIDs like the database queue's, never BullMQ's own counter ids.
            jobId: options.id ?? randomUUID(),
            attempts: options.attempts ?? config.attempts,
            backoff: { type: 'exponential', delay: config.backoffMs },
            removeOnComplete: { age: keep },
            removeOnFail: { age: keep },
          }),
          'enqueueing a job',
        );
        if (!job.id) throw new Error('BullMQ returned a job without an id');
        return job.id;
      } catch (error) {
        throw unavailable(error);
      }
    },

    async getJob(id) {
      try {
        const state = await withTimeout(queue.getJobState(id), 'reading a job state');
        if (state === 'unknown') return undefined;
        const job = await withTimeout(queue.getJob(id), 'reading a job');
        return job ? toJobInfo(state, job) : undefined;
      } catch (error) {
        throw unavailable(error);
      }
    },

    async work(jobHandlers) {
      if (worker) throw new Error('this queue already has a worker');
      const handlers: JobHandlers = { [NOOP_JOB]: noopHandler, ...jobHandlers };
      worker = new Worker(
        QUEUE_NAME,
        async (job, token) => {
          const handler = handlers[job.name];
          if (!handler) throw new UnrecoverableError(`no handler for job kind "${job.name}"`);
          const controller = new AbortController();
          interruptible.add(controller);
          try {
            return await handler(job.data, {
              id: job.id ?? '',
              attempt: job.attemptsMade + 1,
              signal: controller.signal,
            });
          } catch (error) {
            if (controller.signal.aborted && token) {
              // Interrupted by shutdown: back to the queue, due now, without spending an attempt.
              await job.moveToDelayed(Date.now(), token);
              throw new DelayedError();
            }
            if (!isRetryable(error)) throw new UnrecoverableError(errorMessage(error));
            throw error;
          } finally {
            interruptible.delete(controller);
          }
        },
        {
          // A worker's blocking reads wait as long as they need (BullMQ requires it).
          connection: connection({ maxRetriesPerRequest: null }),
          prefix: config.keyPrefix,
          concurrency: config.concurrency,
        },
      );
      worker.on('error', (error) => log.error({ err: error }, 'job worker: Redis error'));
      worker.on('failed', (job, error) => {
        const retrying = job && job.attemptsMade < (job.opts.attempts ?? 1) && isRetryable(error);
        log[retrying ? 'info' : 'warn'](
          { job: job?.id, kind: job?.name, attempt: job?.attemptsMade, error: errorMessage(error) },
          retrying ? 'job will be retried' : 'job failed',
        );
      });
      await worker.waitUntilReady();
    },

    async countWorkers() {
      return withTimeout(queue.getWorkersCount(), 'listing workers');
    },

    async countJobs() {
      const c = await withTimeout(
        queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
        'counting jobs',
      );
      // Jobs are only delayed here between attempts (backoff) or after an interrupted attempt.
      return {
        PENDING: (c.waiting ?? 0) + (c.prioritized ?? 0),
        STARTED: c.active ?? 0,
        RETRY: c.delayed ?? 0,
        SUCCESS: c.completed ?? 0,
        FAILURE: c.failed ?? 0,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const controller of interruptible) controller.abort();
      // A graceful close waits on Redis (the worker's blocking read, the queue's pending
      // commands); with Redis gone it never ends, so after a grace period the sockets are dropped.
      const graceful = (async () => {
        await worker?.close();
        await queue.close();
      })();
      try {
        await withTimeout(graceful, 'closing the job queue', CLOSE_GRACE_MS);
      } catch (error) {
        log.warn({ err: error }, 'job queue: Redis did not answer the close; disconnecting');
        graceful.catch(() => {});
        // Not awaited: BullMQ's disconnect first waits for a client that may never connect.
        for (const closing of [worker?.disconnect(), queue.disconnect()]) closing?.catch(() => {});
      }
      for (const client of clusterClients) client.disconnect();
    },
  };
}
