import type { QueueConfig } from '../config.ts';

/**
 * A job's status in Celery's vocabulary (spec §7.2), which the API reports as is. AdNova's
 * queues produce PENDING (queued, never started), STARTED (an attempt is running), RETRY (an
 * attempt failed, another is scheduled), SUCCESS and FAILURE (every attempt failed, or the
 * failure was permanent). RECEIVED and REVOKED are part of the contract but never produced.
 */
export type JobStatus = 'PENDING' | 'RECEIVED' | 'STARTED' | 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED';

/** What the queue knows about one job. */
export type JobInfo = {
  id: string;
  kind: string;
  status: JobStatus;
  /** Attempts started so far. */
  attempts: number;
  /** The handler's return value once SUCCESS (JSON), otherwise null. */
  result: unknown;
  /** The last attempt's error message (RETRY, FAILURE), otherwise null. */
  error: string | null;
};

export type JobContext = {
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the worker shuts down; the interrupted attempt is run again later. */
  signal: AbortSignal;
};

/** Runs one attempt; the resolved value (JSON) is the job's result, a rejection fails the attempt. */
export type JobHandler = (payload: unknown, context: JobContext) => Promise<unknown>;
export type JobHandlers = Readonly<Record<string, JobHandler>>;

export type JobCounts = Record<'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE', number>;

export type EnqueueOptions = {
  /** The job id (a UUID); a random one by default. */
  id?: string;
  /** Overrides `QUEUE_ATTEMPTS` for this job. */
  attempts?: number;
  /** Overrides `QUEUE_RESULT_TTL_SECONDS` for this job. */
  keepSeconds?: number;
};

/**
 * One queue interface over BullMQ (Redis) and the database runner. Jobs are JSON payloads of a
 * named kind; whichever process calls `work` runs them with its handlers, retrying failed
 * attempts with exponential backoff. Accepted jobs survive restarts in both implementations.
 */
export type JobQueue = {
  readonly kind: QueueConfig['kind'];
  /**
   * Accepts a job and returns its id once it is durably stored.
   * @throws AppError UNAVAILABLE when the queue's store cannot be reached.
   */
  enqueue(kind: string, payload: unknown, options?: EnqueueOptions): Promise<string>;
  /** The job, or undefined when it is unknown or its result has expired. */
  getJob(id: string): Promise<JobInfo | undefined>;
  /** Starts running jobs in this process (the worker role); `noop` is always handled. */
  work(handlers: JobHandlers): Promise<void>;
  /** Worker processes currently alive for this queue (any process, not only this one). */
  countWorkers(): Promise<number>;
  /** Jobs per status (queue depth for metrics); finished jobs count until their results expire. */
  countJobs(): Promise<JobCounts>;
  /** Stops this process's worker (interrupted attempts go back to the queue) and disconnects. */
  close(): Promise<void>;
};

/** The health check's job: does nothing, proves a worker picks jobs up. */
export const NOOP_JOB = 'noop';
export const noopHandler: JobHandler = async () => 'pong';

/**
 * A failure that retrying cannot fix (bad payload, a refused credential): the job goes straight
 * to FAILURE. Errors carrying `retryable: false` (such as `LlmError`) are treated the same way.
 */
export class PermanentJobError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export function isRetryable(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Delay before attempt `attempt + 1` after attempt `attempt` failed (BullMQ's exponential rule). */
export function backoffDelay(backoffMs: number, attempt: number): number {
  return Math.min(backoffMs * 2 ** Math.max(0, attempt - 1), 24 * 3600 * 1000);
}

/**
 * Enqueues a no-op job and waits until a worker has run it: the `/health` `queue` check (spec
 * §6.1, a job goes through within 3 s).
 */
export async function pingQueue(queue: JobQueue, timeoutMs: number): Promise<void> {
  const id = await queue.enqueue(NOOP_JOB, {}, { attempts: 1, keepSeconds: 60 });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
    const job = await queue.getJob(id);
    if (job?.status === 'SUCCESS') return;
    if (job?.status === 'FAILURE') throw new Error(`no-op job failed: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  throw new Error(`no worker ran a no-op job within ${timeoutMs} ms`);
}
