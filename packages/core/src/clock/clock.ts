import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { invalidField } from '../errors.ts';

/**
 * The platform's simulated day, read from the database so every process agrees (spec §1.5).
 * With `lockShared` (inside a transaction) the day cannot advance until the transaction ends,
 * so rules like "start_date >= current_date" hold at commit.
 */
export async function getCurrentDay(db: Db, lockShared = false): Promise<number> {
  const [row] = await rows<{ day: number }>(
    db,
    lockShared ? sql`SELECT day FROM platform_clock FOR SHARE` : sql`SELECT day FROM platform_clock`,
  );
  return row?.day ?? 0;
}

/**
 * Moves the simulated day forward (or keeps it). One conditional update, so two concurrent
 * advances can never move the clock backwards.
 * @throws AppError VALIDATION when `day` is earlier than the stored day (spec §3.17).
 */
export async function advanceTime(deps: Pick<Deps, 'db'>, day: number): Promise<{ current_date: number }> {
  const updated = await rows<{ day: number }>(
    deps.db,
    sql`UPDATE platform_clock SET day = ${day}, updated_at = now() WHERE day <= ${day} RETURNING day`,
  );
  if (updated.length === 0) {
    const current = await getCurrentDay(deps.db);
    throw invalidField('current_date', `current_date can't be less than setted date (${current}).`);
  }
  return { current_date: day };
}
