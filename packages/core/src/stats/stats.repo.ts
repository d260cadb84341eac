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

/**
 * One row per day `from..to` (inclusive): the generated series and the aggregated events both stay
 * inside the window, so the work follows the window (at most `MAX_DAILY_DAYS`), never the whole
 * range a campaign or `current_date` spans (issue 12: `0..current_date` at 2^31 − 1 took gigabytes).
 */
function daily(campaignFilter: SQL, from: number, to: number): SQL {
  const inWindow = sql`e.date BETWEEN ${from}::int4 AND ${to}::int4`;
  return sql`
    SELECT d::int4 AS date, ${projection(sql`i`, sql`k`)}
      FROM generate_series(${from}::int8, ${to}::int8) AS d
      LEFT JOIN (SELECT e.date, count(*) AS n, sum(e.price) AS s FROM impressions e
                   JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter} AND ${inWindow}
                  GROUP BY e.date) i
             ON i.date = d
      LEFT JOIN (SELECT e.date, count(*) AS n, sum(e.price) AS s FROM clicks e
                   JOIN campaigns c ON c.id = e.campaign_id WHERE ${campaignFilter} AND ${inWindow}
                  GROUP BY e.date) k
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

/** A range of days, both ends inclusive; empty when `first > last`. */
export type DayRange = { first: number; last: number };

/**
 * The campaign's daily range (spec §3.15): start_date .. max(min(end_date, today), last event day),
 * never past today; undefined for an unknown campaign. The last event day is two index look-ups
 * (`*_campaign_date_idx`), not a scan of the events.
 */
export async function findCampaignDayRange(db: Db, campaignId: string): Promise<DayRange | undefined> {
  const [row] = await rows<DayRange>(
    db,
    sql`SELECT c.start_date AS first,
               LEAST(GREATEST(LEAST(c.end_date, t.day), ev.day), t.day) AS last
          FROM campaigns c
         CROSS JOIN platform_clock t
         CROSS JOIN LATERAL (
               SELECT GREATEST((SELECT max(date) FROM impressions WHERE campaign_id = c.id),
                               (SELECT max(date) FROM clicks WHERE campaign_id = c.id)) AS day) ev
         WHERE c.id = ${campaignId}::uuid`,
  );
  return row && { first: Number(row.first), last: Number(row.last) };
}

/** Days `from..to` of one campaign, zero-filled. */
export function campaignDailyRows(
  db: Db,
  campaignId: string,
  from: number,
  to: number,
): Promise<(StatsRow & { date: number })[]> {
  return rows(db, daily(sql`c.id = ${campaignId}::uuid`, from, to));
}

/** Days `from..to` over the advertiser's existing campaigns, zero-filled. */
export function advertiserDailyRows(
  db: Db,
  advertiserId: string,
  from: number,
  to: number,
): Promise<(StatsRow & { date: number })[]> {
  return rows(db, daily(sql`c.advertiser_id = ${advertiserId}::uuid`, from, to));
}
