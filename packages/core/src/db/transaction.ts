import type { Db } from './database.ts';

/**
 * Runs `work` in one transaction on `db`: committed when it resolves, rolled back when it throws.
 * The transaction is handed over as a `Db`, so every repository function takes it as it takes
 * the pool; Drizzle's own transaction type differs from its database type only in members the
 * repositories never use, and this is the one place that says so.
 */
export function withTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((txn) => work(txn as unknown as Db));
}
