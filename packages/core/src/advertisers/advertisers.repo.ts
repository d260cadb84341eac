import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { advertisers } from '../db/schema.ts';
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

export async function findAdvertiserRow(db: Db, id: string): Promise<Advertiser | undefined> {
  const [row] = await db.select().from(advertisers).where(eq(advertisers.id, id)).limit(1);
  return row && { advertiser_id: row.id, name: row.name };
}
