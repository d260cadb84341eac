import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

export type ImpressionOutcome = 'recorded' | 'seen' | 'impressions_cap' | 'clicks_cap' | 'inactive' | 'gone';

const RECORD_IMPRESSION: PreparedStatement = {
  name: 'adnova_record_impression',
  text: 'SELECT adnova_record_impression($1::uuid, $2::uuid, $3::int, $4::numeric) AS outcome',
};

/** Atomic check-and-record under the campaign's row lock (see migration 0001). */
export async function recordImpressionRow(
  database: Pick<Database, 'prepared'>,
  campaignId: string,
  clientId: string,
  day: number,
  overshoot: number,
): Promise<ImpressionOutcome> {
  const [row] = await database.prepared<{ outcome: ImpressionOutcome }>(RECORD_IMPRESSION, [
    campaignId,
    clientId,
    day,
    overshoot,
  ]);
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
