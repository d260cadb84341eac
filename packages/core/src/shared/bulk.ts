import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { lastWins, normalizeId } from './schema.ts';

/**
 * The bulk-upsert rule shared by clients and advertisers (spec §4.1): ids normalised, the last
 * occurrence of a repeated id wins, everything written in one transaction, and the result lists
 * each id once in the order of last occurrences.
 */
export async function bulkUpsert<T, K extends keyof T & string>(
  db: Db,
  input: readonly T[],
  idKey: K,
  write: (tx: Db, rows: readonly T[]) => Promise<void>,
): Promise<T[]> {
  const result = lastWins(
    input.map((item) => ({ ...item, [idKey]: normalizeId(String(item[idKey])) })),
    (item) => String(item[idKey]),
  );
  // Writing in id order makes concurrent batches over the same ids lock rows in the same order,
  // so they serialise instead of deadlocking.
  const ordered = [...result].sort((a, b) => (String(a[idKey]) < String(b[idKey]) ? -1 : 1));
  if (ordered.length > 0) await withTransaction(db, (tx) => write(tx, ordered));
  return result;
}
