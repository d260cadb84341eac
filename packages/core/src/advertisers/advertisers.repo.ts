import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { advertisers, campaigns } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Advertiser } from './advertisers.schema.ts';

const CHUNK = 10_000;

export async function upsertAdvertiserRows(db: Db, rows: readonly Advertiser[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insert(advertisers)
      .values(rows.slice(i, i + CHUNK).map((a) => ({ id: a.advertiser_id, name: a.name })))
      .onConflictDoUpdate({ target: advertisers.id, set: { name: sql`excluded.name` } });
  }
}

/** Inserts one advertiser unless its id is taken; whether it was inserted. */
export async function insertAdvertiserRow(db: Db, a: Advertiser): Promise<boolean> {
  const inserted = await db
    .insert(advertisers)
    .values({ id: a.advertiser_id, name: a.name })
    .onConflictDoNothing({ target: advertisers.id })
    .returning({ id: advertisers.id });
  return inserted.length > 0;
}

/**
 * Deletes an advertiser and its campaigns (with their events) in one transaction; returns the image
 * keys of the deleted campaigns, or undefined when the advertiser did not exist.
 */
export async function deleteAdvertiserRow(db: Db, id: string): Promise<string[] | undefined> {
  return withTransaction(db, async (tx) => {
    const removed = await tx
      .delete(campaigns)
      .where(eq(campaigns.advertiserId, id))
      .returning({ key: campaigns.adImageKey });
    const deleted = await tx
      .delete(advertisers)
      .where(eq(advertisers.id, id))
      .returning({ id: advertisers.id });
    if (deleted.length === 0) return undefined;
    return removed.flatMap((r) => (r.key ? [r.key] : []));
  });
}

export async function findAdvertiserRow(db: Db, id: string): Promise<Advertiser | undefined> {
  const [row] = await db.select().from(advertisers).where(eq(advertisers.id, id)).limit(1);
  return row && { advertiser_id: row.id, name: row.name };
}
