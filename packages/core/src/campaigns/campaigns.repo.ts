import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { campaigns } from '../db/schema.ts';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignValues = Omit<
  typeof campaigns.$inferInsert,
  'id' | 'seq' | 'impressionsCount' | 'clicksCount' | 'createdAt' | 'updatedAt'
>;

export async function insertCampaignRow(db: Db, values: CampaignValues): Promise<CampaignRow> {
  const [row] = await db.insert(campaigns).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The advertiser's campaign, locked for update when `lock` (inside a transaction). */
export async function findCampaignRow(
  db: Db,
  advertiserId: string,
  campaignId: string,
  lock = false,
): Promise<CampaignRow | undefined> {
  const query = db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.advertiserId, advertiserId)))
    .limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function campaignExists(db: Db, campaignId: string): Promise<boolean> {
  const found = await db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId))
    .limit(1);
  return found.length > 0;
}

export async function updateCampaignRow(
  db: Db,
  campaignId: string,
  values: Partial<CampaignValues>,
): Promise<CampaignRow> {
  const [row] = await db
    .update(campaigns)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(campaigns.id, campaignId))
    .returning();
  if (!row) throw new Error('update returned no row');
  return row;
}

export async function deleteCampaignRow(
  db: Db,
  advertiserId: string,
  campaignId: string,
): Promise<{ adImageKey: string | null } | undefined> {
  const [row] = await db
    .delete(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.advertiserId, advertiserId)))
    .returning({ adImageKey: campaigns.adImageKey });
  return row;
}

/** One page ordered by end_date descending, newest first among equals, then id (stable paging). */
export async function listCampaignRows(
  db: Db,
  advertiserId: string,
  offset: number,
  limit: number,
): Promise<{ rows: CampaignRow[]; total: number }> {
  const [total] = await db
    .select({ n: count() })
    .from(campaigns)
    .where(eq(campaigns.advertiserId, advertiserId));
  const rows =
    limit === 0
      ? []
      : await db
          .select()
          .from(campaigns)
          .where(eq(campaigns.advertiserId, advertiserId))
          .orderBy(desc(campaigns.endDate), desc(campaigns.seq), asc(campaigns.id))
          .offset(offset)
          .limit(limit);
  return { rows, total: Number(total?.n ?? 0) };
}
