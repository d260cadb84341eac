import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { BandCounts } from './click-model.ts';

/** How far the learned counts have read: the last impression and click row ids counted. */
export type ClickCountsCursor = { impressionId: number; clickId: number };

export const START_CURSOR: ClickCountsCursor = { impressionId: 0, clickId: 0 };

/**
 * First impressions and first clicks per ML-score band of (client, campaign's advertiser), a
 * missing score counting as 0, the last band open-ended — only for event rows after `cursor` and
 * older than `settleSeconds`, so a caller adds them to what it has already counted and the cost
 * is proportional to the new rows, not to the tables. Row ids come from identity sequences, so
 * a row can commit after a row with a larger id: the settle delay (far longer than any of these
 * one-statement transactions) makes sure no row is skipped for good. A first call with the start
 * cursor counts everything.
 */
export async function loadClickCountsSince(
  db: Db,
  cursor: ClickCountsCursor,
  { bandWidth, bands, settleSeconds }: { bandWidth: number; bands: number; settleSeconds: number },
): Promise<{ counts: BandCounts; cursor: ClickCountsCursor }> {
  const band = sql`least(${bands - 1}::int, coalesce(s.score, 0) / ${bandWidth}::int)`;
  const settled = sql`now() - make_interval(secs => ${settleSeconds}::double precision)`;
  const found = await rows<{ kind: 'i' | 'c'; band: number; n: number | string; last: number | string }>(
    db,
    sql`SELECT 'i' AS kind, ${band} AS band, count(*) AS n, max(i.id) AS last
          FROM impressions i
          JOIN campaigns c ON c.id = i.campaign_id
          LEFT JOIN ml_scores s ON s.client_id = i.client_id AND s.advertiser_id = c.advertiser_id
         WHERE i.id > ${cursor.impressionId}::bigint AND i.created_at <= ${settled}
         GROUP BY 2
        UNION ALL
        SELECT 'c', ${band}, count(*), max(k.id)
          FROM clicks k
          JOIN campaigns c ON c.id = k.campaign_id
          LEFT JOIN ml_scores s ON s.client_id = k.client_id AND s.advertiser_id = c.advertiser_id
         WHERE k.id > ${cursor.clickId}::bigint AND k.created_at <= ${settled}
         GROUP BY 2`,
  );
  const counts: BandCounts = { impressions: new Array(bands).fill(0), clicks: new Array(bands).fill(0) };
  const next = { ...cursor };
  for (const row of found) {
    const b = Number(row.band);
    if (row.kind === 'i') {
      counts.impressions[b] = Number(row.n);
      next.impressionId = Math.max(next.impressionId, Number(row.last));
    } else {
      counts.clicks[b] = Number(row.n);
      next.clickId = Math.max(next.clickId, Number(row.last));
    }
  }
  return { counts, cursor: next };
}
