import { type SQL, sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';

/** Aggregates as SQL computes them: counts, exact NUMERIC sums rounded to 9 places, as strings. */
export type StatsRow = {
  impressions_count: number;
  clicks_count: number;
  conversion: string;
  spent_impressions: string;
  spent_clicks: string;
  spent_total: string;
};

// Sums are exact NUMERIC; the total is computed from the exact parts, then rounded (spec §3.13).
// round() on NUMERIC rounds half away from zero, which is half-up for these non-negative values.
const projection = (i: SQL, k: SQL) => sql`
  coalesce(${i}.n, 0)::int8 AS impressions_count,
  coalesce(${k}.n, 0)::int8 AS clicks_count,
  CASE WHEN coalesce(${i}.n, 0) = 0 THEN 0
       ELSE round(100.0 * coalesce(${k}.n, 0) / ${i}.n, 2) END::text AS conversion,
  round(coalesce(${i}.s, 0), 9)::text AS spent_impressions,
  round(coalesce(${k}.s, 0), 9)::text AS spent_clicks,
  round(coalesce(${i}.s, 0) + coalesce(${k}.s, 0), 9)::text AS spent_total`;

/** Events of the campaigns selected by `campaignFilter` (a predicate on campaigns `c`). */
function totals(campaignFilter: SQL): SQL {
  return sql`
    WITH i AS (SELECT count(*) AS n, sum(e.price) AS s FROM impressions e
                 JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter}),
         k AS (SELECT count(*) AS n, sum(e.price) AS s FROM clicks e
                 JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter})
    SELECT ${projection(sql`i`, sql`k`)} FROM i, k`;
}

function daily(campaignFilter: SQL, from: SQL, to: SQL): SQL {
  return sql`
    SELECT d::int AS date, ${projection(sql`i`, sql`k`)}
      FROM generate_series(${from}, ${to}) AS d
      LEFT JOIN (SELECT e.date, count(*) AS n, sum(e.price) AS s FROM impressions e
                   JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter} GROUP BY e.date) i
             ON i.date = d
      LEFT JOIN (SELECT e.date, count(*) AS n, sum(e.price) AS s FROM clicks e
                   JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter} GROUP BY e.date) k
             ON k.date = d
     ORDER BY d`;
}

export async function campaignTotalsRow(db: Db, campaignId: string): Promise<StatsRow | undefined> {
  const [row] = await rows<StatsRow>(db, totals(sql`c.id = ${campaignId}::uuid`));
  return row;
}

export async function advertiserTotalsRow(db: Db, advertiserId: string): Promise<StatsRow | undefined> {
  const [row] = await rows<StatsRow>(db, totals(sql`c.advertiser_id = ${advertiserId}::uuid`));
  return row;
}

/**
 * Days start_date .. max(min(end_date, today), last event day), never past today (spec §3.15).
 * An empty series when the campaign has not started and has no events.
 */
export function campaignDailyRows(db: Db, campaignId: string): Promise<(StatsRow & { date: number })[]> {
  const c = sql`(SELECT start_date, end_date FROM campaigns WHERE id = ${campaignId}::uuid)`;
  const today = sql`(SELECT day FROM platform_clock)`;
  const lastEvent = sql`(SELECT max(date) FROM (SELECT date FROM impressions WHERE campaign_id = ${campaignId}::uuid
                           UNION ALL SELECT date FROM clicks WHERE campaign_id = ${campaignId}::uuid) ev)`;
  const to = sql`LEAST(GREATEST(LEAST((SELECT end_date FROM ${c} x), ${today}), coalesce(${lastEvent}, -1)), ${today})`;
  return rows(db, daily(sql`c.id = ${campaignId}::uuid`, sql`(SELECT start_date FROM ${c} x)`, to));
}

/** Every day 0 .. today (spec §3.16). */
export function advertiserDailyRows(db: Db, advertiserId: string): Promise<(StatsRow & { date: number })[]> {
  return rows(
    db,
    daily(sql`c.advertiser_id = ${advertiserId}::uuid`, sql`0`, sql`(SELECT day FROM platform_clock)`),
  );
}
