import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type ServeRequest, type ServeResult, serveAdRows } from './ads.repo.ts';

/**
 * Most requests in one serving statement: bounds the statement's work, its arrays (each request
 * sends up to `SERVE_BATCH` candidates) and the campaign rows its transaction holds.
 */
export const SERVE_GROUP_MAX = 32;

/**
 * Times a request answered 'busy' is sent again, first in the next group, where it may wait for
 * its lock (migration 0009). After that its request sees 'busy' and ranks again.
 */
const BUSY_RESENDS = 3;

/** The process's serving statements: requests that arrive together share one (issue 14). */
export type ServeQueue = {
  /** Resolves with the request's answer once the group's transaction has committed. */
  serve(request: ServeRequest): Promise<ServeResult>;
};

type Waiting = {
  request: ServeRequest;
  resends: number;
  resolve(answer: ServeResult): void;
  reject(error: unknown): void;
};

/**
 * Groups the process's `GET /ads` statements: a request waits while the previous group is in the
 * database, then every request waiting goes in the next one (at most `SERVE_GROUP_MAX`), so under
 * load one round trip, one commit and one WAL flush serve many ads, and a lone request still goes
 * at once (on the next turn of the event loop). One group is in the database at a time; the
 * process's other statements use the rest of the pool.
 *
 * A 'busy' answer (a campaign row held by another transaction) is sent again first in the next
 * group. A group failing with a database error is sent again a request at a time, so one
 * request's error is its own; a connection error fails the group.
 */
export function createServeQueue(
  database: Pick<Database, 'prepared'>,
  metrics?: Pick<Metrics, 'serveGroupSize'>,
): ServeQueue {
  const waiting: Waiting[] = [];
  let sending = false;
  let scheduled = false;

  function schedule(): void {
    if (sending || scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(sendNext);
  }

  function sendNext(): void {
    scheduled = false;
    sending = true;
    const group = waiting.splice(0, SERVE_GROUP_MAX);
    void send(group)
      // `send` answers every request itself; this is for a bug in it (settled promises ignore it).
      .catch((error: unknown) => {
        for (const w of group) w.reject(error);
      })
      .finally(() => {
        sending = false;
        schedule();
      });
  }

  async function send(group: Waiting[]): Promise<void> {
    metrics?.serveGroupSize.observe(group.length);
    let answers: ServeResult[];
    try {
      answers = await serveAdRows(
        database,
        group.map((w) => w.request),
      );
    } catch (error) {
      if (group.length === 1 || !isStatementError(error)) {
        for (const w of group) w.reject(error);
        return;
      }
      for (const w of group) await send([w]);
      return;
    }
    const again: Waiting[] = [];
    for (const [i, w] of group.entries()) {
      const answer = answers[i] as ServeResult;
      if (answer.outcome === 'busy' && w.resends < BUSY_RESENDS) {
        w.resends++;
        again.push(w);
      } else {
        w.resolve(answer);
      }
    }
    waiting.unshift(...again);
  }

  return {
    serve(request) {
      return new Promise<ServeResult>((resolve, reject) => {
        waiting.push({ request, resends: 0, resolve, reject });
        schedule();
      });
    },
  };
}

/**
 * An error PostgreSQL raised for the statement (it has a SQLSTATE: a timeout, a lock conflict, a
 * value it refused), as opposed to losing the connection.
 */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
