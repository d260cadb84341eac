import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';

export type CandidateRow = {
  day: number;
  id: string | null;
  advertiser_id: string;
  ad_title: string;
  ad_text: string;
  ad_image_key: string | null;
  seq: number;
  cost_per_impression: string;
  cost_per_click: string;
  impressions_limit: number;
  impressions_count: number;
  score: number;
  seen: boolean;
  clicked: boolean;
};

/**
 * In one round trip: today's day and every campaign active today whose targeting matches the
 * client and whose clicks cap is not reached, with the client's score, seen and clicked flags.
 * No rows: the client does not exist. One row with a null id: it exists, nothing is eligible.
 */
export function findCandidateRows(db: Db, clientId: string): Promise<CandidateRow[]> {
  return rows<CandidateRow>(
    db,
    sql`SELECT pc.day, c.id, c.advertiser_id, c.ad_title, c.ad_text, c.ad_image_key, c.seq,
               c.cost_per_impression, c.cost_per_click, c.impressions_limit, c.impressions_count,
               coalesce(s.score, 0) AS score,
               (i.id IS NOT NULL) AS seen, (k.id IS NOT NULL) AS clicked
          FROM clients cl
         CROSS JOIN platform_clock pc
          LEFT JOIN campaigns c
                 ON c.start_date <= pc.day AND c.end_date >= pc.day
                AND c.clicks_count < c.clicks_limit
                AND (c.target_gender IS NULL OR c.target_gender = 'ALL' OR c.target_gender = cl.gender)
                AND (c.target_age_from IS NULL OR c.target_age_from <= cl.age)
                AND (c.target_age_to IS NULL OR c.target_age_to >= cl.age)
                AND (c.target_location IS NULL OR c.target_location = cl.location)
          LEFT JOIN impressions i ON i.client_id = cl.id AND i.campaign_id = c.id
          LEFT JOIN clicks k ON k.client_id = cl.id AND k.campaign_id = c.id
          LEFT JOIN ml_scores s ON s.client_id = cl.id AND s.advertiser_id = c.advertiser_id
         WHERE cl.id = ${clientId}::uuid`,
  );
}

export type ImpressionOutcome = 'recorded' | 'seen' | 'impressions_cap' | 'clicks_cap' | 'inactive' | 'gone';

/** Atomic check-and-record under the campaign's row lock (see migration 0001). */
export async function recordImpressionRow(
  db: Db,
  campaignId: string,
  clientId: string,
  day: number,
  overshoot: number,
): Promise<ImpressionOutcome> {
  const [row] = await rows<{ outcome: ImpressionOutcome }>(
    db,
    sql`SELECT adnova_record_impression(${campaignId}::uuid, ${clientId}::uuid, ${day}::int, ${overshoot}::numeric) AS outcome`,
  );
  if (!row) throw new Error('adnova_record_impression returned no row');
  return row.outcome;
}

export type ClickOutcome = 'recorded' | 'duplicate' | 'no_impression' | 'gone';

export async function recordClickRow(db: Db, campaignId: string, clientId: string): Promise<ClickOutcome> {
  const [row] = await rows<{ outcome: ClickOutcome }>(
    db,
    sql`SELECT adnova_record_click(${campaignId}::uuid, ${clientId}::uuid) AS outcome`,
  );
  if (!row) throw new Error('adnova_record_click returned no row');
  return row.outcome;
}
