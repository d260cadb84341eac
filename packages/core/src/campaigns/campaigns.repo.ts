import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import { campaigns } from '../db/schema.ts';
import { CAMPAIGN_FIELD_NAMES, type CampaignField, SERVED_FIELDS } from './campaign-rules.ts';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignValues = Omit<
  typeof campaigns.$inferInsert,
  'id' | 'seq' | 'impressionsCount' | 'clicksCount' | 'createdAt' | 'updatedAt'
>;

/**
 * The Drizzle key of each campaign field's column: the column whose SQL name is the field's API
 * name (`ad_title` → `adTitle`). A field without its column fails here, when the module loads.
 */
export const FIELD_COLUMN = (() => {
  const keyOf = new Map(
    Object.entries(getTableColumns(campaigns)).map(([key, column]) => [column.name, key]),
  );
  return Object.fromEntries(
    CAMPAIGN_FIELD_NAMES.map((field) => {
      const key = keyOf.get(field);
      if (key === undefined) throw new Error(`campaigns has no column for the campaign field ${field}`);
      return [field, key];
    }),
  ) as Record<CampaignField, keyof CampaignValues & keyof CampaignRow>;
})();

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

// The serving catalog's reads (ads/catalog.ts).

export type CatalogRow = {
  id: string;
  advertiser_id: string;
  seq: number | string;
  ad_image_key: string | null;
  cost_per_impression: string;
  cost_per_click: string;
  target_gender: 'MALE' | 'FEMALE' | 'ALL' | null;
  target_age_from: number | null;
  target_age_to: number | null;
  target_location: string | null;
  impressions_limit: number;
  clicks_limit: number;
  start_date: number;
  end_date: number;
  impressions_count: number;
  clicks_count: number;
  full: boolean;
} & Record<(typeof SERVED_FIELDS)[number], unknown>;

/**
 * The columns of `campaigns` that the in-process catalog (ads/catalog.ts) serves from, and
 * `start_date`/`end_date` that choose its campaigns. A change of any of them must bump
 * `catalog_version` (trigger `campaigns_catalog_version`, migration 0003) so every process
 * reloads; catalog-version.test.ts checks the trigger watches exactly these, so a column added here
 * and not there fails it. The counters are read too, but the caps are enforced in SQL, so they
 * deliberately do not bump the version.
 */
export const CATALOG_COLUMNS = [
  'id',
  'advertiser_id',
  'seq',
  ...SERVED_FIELDS,
  'ad_image_key',
  'cost_per_impression',
  'cost_per_click',
  'target_gender',
  'target_age_from',
  'target_age_to',
  'target_location',
  'impressions_limit',
  'clicks_limit',
  'start_date',
  'end_date',
];
export const CATALOG_COUNTER_COLUMNS = ['impressions_count', 'clicks_count'] as const;

/** Campaigns running on `day`; `full` when no new impression can be recorded any more. */
export function loadCatalogRows(db: Db, day: number, overshoot: number): Promise<CatalogRow[]> {
  const columns = sql.raw([...CATALOG_COLUMNS, ...CATALOG_COUNTER_COLUMNS].join(', '));
  return rows<CatalogRow>(
    db,
    sql`SELECT ${columns},
               (impressions_count >= floor(impressions_limit * (1 + ${overshoot}::numeric))
                OR clicks_count >= clicks_limit) AS full
          FROM campaigns
         WHERE start_date <= ${day} AND end_date >= ${day}`,
  );
}

/** The current counters of the campaigns running on `day`. */
export function loadCounterRows(
  db: Db,
  day: number,
): Promise<{ id: string; impressions_count: number; clicks_count: number }[]> {
  return rows(
    db,
    sql`SELECT id, impressions_count, clicks_count FROM campaigns WHERE start_date <= ${day} AND end_date >= ${day}`,
  );
}
