import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

export type CatalogRow = {
  id: string;
  advertiser_id: string;
  seq: number | string;
  ad_title: string;
  ad_text: string;
  ad_image_key: string | null;
  cost_per_impression: string;
  cost_per_click: string;
  target_gender: 'MALE' | 'FEMALE' | 'ALL' | null;
  target_age_from: number | null;
  target_age_to: number | null;
  target_location: string | null;
  impressions_limit: number;
  clicks_limit: number;
  impressions_count: number;
  clicks_count: number;
  full: boolean;
};

/** Campaigns running on `day`; `full` when no new impression can be recorded any more. */
export function loadCatalogRows(db: Db, day: number, overshoot: number): Promise<CatalogRow[]> {
  return rows<CatalogRow>(
    db,
    sql`SELECT id, advertiser_id, seq, ad_title, ad_text, ad_image_key, cost_per_impression, cost_per_click,
               target_gender, target_age_from, target_age_to, target_location, impressions_limit, clicks_limit,
               impressions_count, clicks_count,
               (impressions_count >= floor(impressions_limit * (1 + ${overshoot}::numeric))
                OR clicks_count >= clicks_limit) AS full
          FROM campaigns
         WHERE start_date <= ${day} AND end_date >= ${day}`,
  );
}

export type ClientSnapshot = {
  age: number;
  gender: 'MALE' | 'FEMALE';
  location: string;
  day: number;
  version: number | string;
  /** The selection plan's version: prices are reloaded when it changes. */
  plan_version: number | string;
  /** advertiser id → score */
  scores: Record<string, number>;
  seen: string[];
  clicked: string[];
  /** Campaigns this client has seen whose clicks cap is reached: not to be served again. */
  capped: string[];
};

const CLIENT_SNAPSHOT: PreparedStatement = {
  name: 'adnova_client_snapshot_v2',
  text: `SELECT cl.age, cl.gender, cl.location, pc.day, cv.version, sp.version AS plan_version,
               coalesce((SELECT json_object_agg(s.advertiser_id, s.score) FROM ml_scores s
                          WHERE s.client_id = cl.id), '{}'::json) AS scores,
               coalesce(ev.seen, '[]'::json) AS seen,
               coalesce((SELECT json_agg(k.campaign_id) FROM clicks k
                          WHERE k.client_id = cl.id), '[]'::json) AS clicked,
               coalesce(ev.capped, '[]'::json) AS capped
          FROM clients cl CROSS JOIN platform_clock pc CROSS JOIN catalog_version cv CROSS JOIN selection_plan sp
          -- One pass over the client's impressions gives both the seen campaigns and those of them
          -- at their clicks cap.
          LEFT JOIN LATERAL (
            SELECT json_agg(i.campaign_id) AS seen,
                   json_agg(i.campaign_id) FILTER (WHERE c.clicks_count >= c.clicks_limit) AS capped
              FROM impressions i JOIN campaigns c ON c.id = i.campaign_id
             WHERE i.client_id = cl.id) ev ON true
         WHERE cl.id = $1::uuid`,
};

/**
 * Everything per-client that selection needs, with today's day and the catalog version, in one
 * round trip of index lookups (a prepared statement). No row: the client does not exist.
 */
export async function findClientSnapshot(
  database: Pick<Database, 'prepared'>,
  clientId: string,
): Promise<ClientSnapshot | undefined> {
  const [row] = await database.prepared<ClientSnapshot>(CLIENT_SNAPSHOT, [clientId]);
  return row;
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
