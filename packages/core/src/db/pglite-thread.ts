import { Worker } from 'node:worker_threads';
import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';

/**
 * The embedded PGlite database on a worker thread of its own (issue 14). PGlite executes SQL
 * synchronously in WebAssembly: on the API's event loop every statement stopped all other work,
 * so under load some requests waited seconds before they were even read. On its own thread the
 * database works while the event loop parses requests, ranks and answers, and queries queue in
 * arrival order.
 *
 * Offers the part of PGlite's interface AdNova and Drizzle's `pglite` driver use: `query`, `exec`,
 * `transaction` (interactive, held open on the thread until the callback settles) and `close`.
 * Query option functions cannot cross threads: the only ones Drizzle passes are identity parsers
 * (keep a type as text), and those are sent as type OIDs.
 */
export type PgliteClient = Pick<PGlite, 'query' | 'exec' | 'transaction' | 'close'>;

/** The thread's client: PGlite's interface, and a full garbage collection on the thread. */
export type PgliteThreadClient = PgliteClient & { collectGarbage(): Promise<void> };

type Reply =
  | { id: number; result: unknown }
  | { id: number; error: ErrorData }
  | { ready: true }
  | { ready: false; error: ErrorData };

type ErrorData = { message: string; name: string; fields: Record<string, unknown> };

/** An error of the thread, rebuilt with PostgreSQL's fields (code, detail, constraint, …). */
function toError(data: ErrorData): Error {
  const error = new Error(data.message);
  error.name = data.name;
  return Object.assign(error, data.fields);
}

/** Options as data: identity parsers become `rawTypes`; other functions cannot be sent. */
function sendable(options: QueryOptions | undefined): Record<string, unknown> | undefined {
  if (!options) return undefined;
  const { parsers, serializers, onNotice, blob, ...rest } = options;
  if (serializers || onNotice || blob)
    throw new Error('PGlite thread: serializers, onNotice and blob options are not supported');
  return parsers ? { ...rest, rawTypes: Object.keys(parsers).map(Number) } : rest;
}

/** Starts the thread and opens the database (`dataDir` undefined: in memory). */
export async function openPgliteThread(dataDir: string | undefined): Promise<PgliteThreadClient> {
  const worker = new Worker(new URL('./pglite-thread.worker.mjs', import.meta.url), {
    workerData: { dataDir },
  });
  let nextId = 0;
  let nextTx = 0;
  let failure: Error | undefined;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        if (reply.ready) resolve();
        else reject(toError(reply.error));
        return;
      }
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if ('error' in reply) p.reject(toError(reply.error));
      else p.resolve(reply.result);
    });
    worker.on('error', (error) => {
      reject(error);
      failAll(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the PGlite thread exited (code ${code})`);
      reject(error);
      failAll(error);
    });
  });
  await ready;

  const call = <T>(message: Record<string, unknown>): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  };

  const handle = (tx: number | undefined) => ({
    query: <T>(sql: string, params?: unknown[], options?: QueryOptions) =>
      call<Results<T>>({ op: 'query', tx, sql, params, options: sendable(options) }),
    exec: (sql: string, options?: QueryOptions) =>
      call<Results[]>({ op: 'exec', tx, sql, options: sendable(options) }),
  });

  const client: PgliteThreadClient = {
    ...handle(undefined),
    collectGarbage: () => call({ op: 'collect' }),
    async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      let closed = false;
      const transaction = {
        ...handle(tx),
        get closed() {
          return closed;
        },
        async rollback() {
          closed = true;
          await call({ op: 'rollback', tx });
        },
        // Not used by AdNova or Drizzle; PGlite's notification API stays on the thread.
        listen: () => Promise.reject(new Error('PGlite thread: LISTEN is not supported')),
      } as unknown as Transaction;
      let result: T;
      try {
        result = await callback(transaction);
      } catch (error) {
        if (!closed) await call({ op: 'rollback', tx }).catch(() => {});
        throw error;
      }
      if (!closed) await call({ op: 'commit', tx });
      return result;
    },
    async close() {
      if (!failure) await call({ op: 'close' }).catch(() => {});
      failure ??= new Error('the PGlite thread was closed');
      await worker.terminate();
    },
  } as PgliteThreadClient;
  return client;
}
