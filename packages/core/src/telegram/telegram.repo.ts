import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { advertisers } from '../db/schema.ts';
import { advertiserLinkCodes, telegramLinks } from '../db/telegram.schema.ts';

export type LinkCodeRow = typeof advertiserLinkCodes.$inferSelect;
export type TelegramLinkRow = {
  telegramUserId: number;
  advertiserId: string;
  advertiserName: string;
  createdAt: Date;
};

/** Stores a new code; false when the hash is already taken (a collision: draw another code). */
export async function insertLinkCodeRow(
  db: Db,
  values: { codeHash: string; advertiserId: string; expiresAt: Date },
): Promise<boolean> {
  const inserted = await db
    .insert(advertiserLinkCodes)
    .values(values)
    .onConflictDoNothing()
    .returning({ codeHash: advertiserLinkCodes.codeHash });
  return inserted.length > 0;
}

/** Forgets every code that expired before `now`, used or not. */
export async function deleteExpiredLinkCodeRows(db: Db, now: Date): Promise<void> {
  await db.delete(advertiserLinkCodes).where(lt(advertiserLinkCodes.expiresAt, now));
}

/**
 * Spends a code in one conditional update: only an unused code that has not expired at `now`
 * matches, so two accounts racing for one code cannot both get it.
 */
export async function spendLinkCodeRow(
  db: Db,
  codeHash: string,
  now: Date,
  telegramUserId: number,
): Promise<string | undefined> {
  const [row] = await db
    .update(advertiserLinkCodes)
    .set({ usedAt: now, usedByTelegramUserId: telegramUserId })
    .where(
      and(
        eq(advertiserLinkCodes.codeHash, codeHash),
        isNull(advertiserLinkCodes.usedAt),
        gt(advertiserLinkCodes.expiresAt, now),
      ),
    )
    .returning({ advertiserId: advertiserLinkCodes.advertiserId });
  return row?.advertiserId;
}

export async function findLinkCodeRow(db: Db, codeHash: string): Promise<LinkCodeRow | undefined> {
  const [row] = await db
    .select()
    .from(advertiserLinkCodes)
    .where(eq(advertiserLinkCodes.codeHash, codeHash))
    .limit(1);
  return row;
}

/** Binds the account to the advertiser, replacing an earlier binding of the same account. */
export async function upsertTelegramLinkRow(
  db: Db,
  telegramUserId: number,
  advertiserId: string,
): Promise<void> {
  await db
    .insert(telegramLinks)
    .values({ telegramUserId, advertiserId })
    .onConflictDoUpdate({
      target: telegramLinks.telegramUserId,
      set: { advertiserId: sql`excluded.advertiser_id`, createdAt: sql`now()` },
    });
}

export async function findTelegramLinkRow(
  db: Db,
  telegramUserId: number,
): Promise<TelegramLinkRow | undefined> {
  const [row] = await db
    .select({
      telegramUserId: telegramLinks.telegramUserId,
      advertiserId: telegramLinks.advertiserId,
      advertiserName: advertisers.name,
      createdAt: telegramLinks.createdAt,
    })
    .from(telegramLinks)
    .innerJoin(advertisers, eq(advertisers.id, telegramLinks.advertiserId))
    .where(eq(telegramLinks.telegramUserId, telegramUserId))
    .limit(1);
  return row;
}

/** True when a binding existed and is gone. */
export async function deleteTelegramLinkRow(db: Db, telegramUserId: number): Promise<boolean> {
  const deleted = await db
    .delete(telegramLinks)
    .where(eq(telegramLinks.telegramUserId, telegramUserId))
    .returning({ id: telegramLinks.telegramUserId });
  return deleted.length > 0;
}
