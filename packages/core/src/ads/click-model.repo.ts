import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { BandCounts } from './click-model.ts';

/**
 * First impressions and first clicks per ML-score band of (client, campaign's advertiser), a
 * missing score counting as 0; the last band is open-ended.
 */
export async function loadClickCounts(db: Db, bandWidth: number, bands: number): Promise<BandCounts> {
  const found = await rows<{ band: number; impressions: number | string; clicks: number | string }>(
    db,
    sql`SELECT least(${bands - 1}::int, coalesce(s.score, 0) / ${bandWidth}::int) AS band,
               count(*) AS impressions, count(k.client_id) AS clicks
          FROM impressions i
          JOIN campaigns c ON c.id = i.campaign_id
          LEFT JOIN ml_scores s ON s.client_id = i.client_id AND s.advertiser_id = c.advertiser_id
          LEFT JOIN clicks k ON k.client_id = i.client_id AND k.campaign_id = i.campaign_id
         GROUP BY 1`,
  );
  const counts: BandCounts = { impressions: new Array(bands).fill(0), clicks: new Array(bands).fill(0) };
  for (const row of found) {
    const band = Number(row.band);
    counts.impressions[band] = Number(row.impressions);
    counts.clicks[band] = Number(row.clicks);
  }
  return counts;
}
