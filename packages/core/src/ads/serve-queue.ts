import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type ServeRequest, type ServeResult, serveAdRow, serveAdRows } from './ads.repo.ts';

/**
 * Most requests in one serving statement: bounds the statement's work, its arrays (each request
 * sends up to `SERVE_BATCH` candidates) and the campaign rows its transaction holds.
 */
export const SERVE_GROUP_MAX = 32;

/**
 * Times a request answered 'busy' is sent again in the next group (first in it) before it is
 * sent alone, outside the groups, to wait for its lock (migration 0009).
 */
const BUSY_RESENDS = 2;

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
 * A group never waits for a lock, so a campaign row another transaction holds for long cannot
 * hold up the process's serving: such a request answers 'busy' and is sent again first in the
 * next group, and after `BUSY_RESENDS` alone, beside the groups, where it waits for its lock (and
 * only it waits). A group failing with a database error is sent again a request at a time, so
 * one request's error is its own; a connection error fails the group.
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
      if (answer.outcome !== 'busy') w.resolve(answer);
      else if (w.resends++ < BUSY_RESENDS) again.push(w);
      else sendAlone(w);
    }
    waiting.unshift(...again);
  }

  /** Beside the groups, waiting for its lock while holding none; never 'busy' then. */
  function sendAlone(w: Waiting): void {
    metrics?.serveGroupSize.observe(1);
    serveAdRow(database, w.request, true).then(w.resolve, w.reject);
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
