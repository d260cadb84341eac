import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { JobCounts, JobInfo } from './queue.ts';

const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`;
/** A finished job is visible until `keep_seconds` after it finished. */
const NOT_EXPIRED = sql`(finished_at IS NULL OR finished_at + keep_seconds * interval '1 second' > now())`;

export async function insertJobRow(
  db: Db,
  job: { id: string; kind: string; payload: unknown; maxAttempts: number; keepSeconds: number },
): Promise<void> {
  // Same id twice (a retried enqueue) keeps the first job, like BullMQ's custom job ids.
  await db.execute(sql`
    INSERT INTO jobs (id, kind, payload, max_attempts, keep_seconds)
    VALUES (${job.id}::uuid, ${job.kind}, ${JSON.stringify(job.payload ?? null)}::jsonb,
            ${job.maxAttempts}, ${job.keepSeconds})
    ON CONFLICT (id) DO NOTHING`);
}

export async function findJobRow(db: Db, id: string): Promise<JobInfo | undefined> {
  const [row] = await rows<JobInfo>(
    db,
    sql`SELECT id, kind, status, attempts, result, error FROM jobs WHERE id = ${id}::uuid AND ${NOT_EXPIRED}`,
  );
  return row;
}

export type ClaimedJob = {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  token: string;
};

/**
 * Claims up to `limit` due jobs for one attempt each: queued or retrying jobs whose time has
 * come, and started jobs whose lease ran out (their worker died). SKIP LOCKED lets several
 * workers on one PostgreSQL claim concurrently without taking the same job.
 */
export async function claimJobRows(db: Db, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
  return rows<ClaimedJob>(
    db,
    sql`
      UPDATE jobs SET status = 'STARTED', attempts = attempts + 1, lease_token = gen_random_uuid(),
             lease_until = now() + ${ms(leaseMs)}, started_at = now()
      WHERE id IN (
        SELECT id FROM jobs
        WHERE (status IN ('PENDING', 'RETRY') AND run_at <= now())
           OR (status = 'STARTED' AND lease_until < now() AND attempts < max_attempts)
        ORDER BY run_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, payload, attempts, max_attempts AS "maxAttempts", lease_token AS token`,
  );
}

/** A started job whose worker died on its last allowed attempt has failed. */
export async function failLostJobRows(db: Db): Promise<void> {
  await db.execute(sql`
    UPDATE jobs SET status = 'FAILURE', error = 'the worker running the last attempt stopped responding',
           lease_token = NULL, lease_until = NULL, finished_at = now()
    WHERE status = 'STARTED' AND lease_until < now() AND attempts >= max_attempts`);
}

/** Milliseconds until the next job falls due (0 if one is due now), or undefined if none waits. */
export async function nextDueInMs(db: Db): Promise<number | undefined> {
  const [row] = await rows<{ ms: number | string | null }>(
    db,
    sql`
      -- GREATEST ignores a NULL argument: with no job waiting MIN(due) is NULL, and so must the
      -- answer be (not 0, "due now", which had an idle runner polling every 5 ms).
      SELECT CASE WHEN MIN(due) IS NOT NULL
                  THEN GREATEST(0, EXTRACT(EPOCH FROM (MIN(due) - now())) * 1000)::double precision END AS ms
      FROM (SELECT MIN(run_at) AS due FROM jobs WHERE status IN ('PENDING', 'RETRY')
            UNION ALL
            SELECT MIN(lease_until) FROM jobs WHERE status = 'STARTED') t`,
  );
  return row?.ms == null ? undefined : Number(row.ms);
}

/** Each write is guarded by the attempt's lease token: a reclaimed job ignores its old worker. */
export async function completeJobRow(db: Db, id: string, token: string, result: unknown): Promise<void> {
  await db.execute(sql`
    UPDATE jobs SET status = 'SUCCESS', result = ${JSON.stringify(result ?? null)}::jsonb, error = NULL,
           lease_token = NULL, lease_until = NULL, finished_at = now()
    WHERE id = ${id}::uuid AND lease_token = ${token}::uuid`);
}

export async function retryJobRow(
  db: Db,
  id: string,
  token: string,
  error: string,
  delayMs: number,
): Promise<void> {
  await db.execute(sql`
    UPDATE jobs SET status = 'RETRY', error = ${error}, run_at = now() + ${ms(delayMs)},
           lease_token = NULL, lease_until = NULL
    WHERE id = ${id}::uuid AND lease_token = ${token}::uuid`);
}

export async function failJobRow(db: Db, id: string, token: string, error: string): Promise<void> {
  await db.execute(sql`
    UPDATE jobs SET status = 'FAILURE', error = ${error}, lease_token = NULL, lease_until = NULL,
           finished_at = now()
    WHERE id = ${id}::uuid AND lease_token = ${token}::uuid`);
}

/** Puts an attempt interrupted by shutdown back, due now, without counting it. */
export async function releaseJobRow(db: Db, id: string, token: string): Promise<void> {
  await db.execute(sql`
    UPDATE jobs SET attempts = attempts - 1,
           status = CASE WHEN attempts - 1 > 0 THEN 'RETRY' ELSE 'PENDING' END,
           run_at = now(), lease_token = NULL, lease_until = NULL
    WHERE id = ${id}::uuid AND lease_token = ${token}::uuid`);
}

export async function renewLeaseRows(db: Db, tokens: readonly string[], leaseMs: number): Promise<void> {
  if (tokens.length === 0) return;
  await db.execute(sql`
    UPDATE jobs SET lease_until = now() + ${ms(leaseMs)}
    WHERE lease_token IN (${sql.join(
      tokens.map((t) => sql`${t}::uuid`),
      sql`, `,
    )})`);
}

export async function countJobRows(db: Db): Promise<JobCounts> {
  const counts: JobCounts = { PENDING: 0, STARTED: 0, RETRY: 0, SUCCESS: 0, FAILURE: 0 };
  const found = await rows<{ status: keyof JobCounts; n: number | string }>(
    db,
    sql`SELECT status, count(*)::int AS n FROM jobs WHERE ${NOT_EXPIRED} GROUP BY status`,
  );
  for (const row of found) counts[row.status] = Number(row.n);
  return counts;
}

/** Drops finished jobs whose retention has passed. */
export async function deleteExpiredJobRows(db: Db): Promise<void> {
  await db.execute(sql`
    DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at + keep_seconds * interval '1 second' <= now()`);
}

export async function upsertWorkerRow(db: Db, id: string, name: string): Promise<void> {
  await db.execute(sql`
    INSERT INTO job_workers (id, name) VALUES (${id}::uuid, ${name})
    ON CONFLICT (id) DO UPDATE SET seen_at = now()`);
}

export async function deleteWorkerRow(db: Db, id: string): Promise<void> {
  await db.execute(sql`DELETE FROM job_workers WHERE id = ${id}::uuid`);
}

/** Workers seen within `aliveMs`; long-silent rows are removed on the way. */
export async function countLiveWorkerRows(db: Db, aliveMs: number): Promise<number> {
  await db.execute(sql`DELETE FROM job_workers WHERE seen_at < now() - interval '1 day'`);
  const [row] = await rows<{ n: number | string }>(
    db,
    sql`SELECT count(*)::int AS n FROM job_workers WHERE seen_at > now() - ${ms(aliveMs)}`,
  );
  return Number(row?.n ?? 0);
}
