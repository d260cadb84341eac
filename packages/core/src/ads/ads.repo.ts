import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

export type ImpressionOutcome = 'recorded' | 'seen' | 'impressions_cap' | 'clicks_cap' | 'inactive' | 'gone';

/** What the process asks `adnova_serve_ad` (migration 0008) to decide and record. */
export type ServeRequest = {
  clientId: string;
  /** The day, catalog version and profile version the candidates were ranked with. */
  day: number;
  catalogVersion: number;
  profileVersion: number;
  overshoot: number;
  /** Candidates in tie-break order, with their value per state (null: not servable in it). */
  campaigns: string[];
  unseen: (number | null)[];
  seen: number[];
  clicked: number[];
  /** The highest value of a candidate left out; null when all are sent. */
  floor: number | null;
};

export type ServeOutcome = 'served' | 'none' | 'more' | 'stale' | 'unknown_client';

export type ServeResult = {
  outcome: ServeOutcome;
  served: string | null;
  recorded: boolean | null;
  /** Campaigns found closed during the walk, with `adnova_record_impression`'s reason. */
  closed: string[] | null;
  closed_why: ImpressionOutcome[] | null;
  today: number;
  catalog: number | string;
  plan: number | string;
  profile: number | string | null;
};

const SERVE_AD: PreparedStatement = {
  name: 'adnova_serve_ad',
  text: `SELECT * FROM adnova_serve_ad($1::uuid, $2::int, $3::bigint, $4::bigint, $5::numeric,
                                     $6::uuid[], $7::float8[], $8::float8[], $9::float8[], $10::float8)`,
};

/**
 * Decides among ranked candidates and records the impression, in one statement: the only
 * database round trip of a `GET /ads` whose client profile is cached (see migration 0008).
 */
export async function serveAdRow(
  database: Pick<Database, 'prepared'>,
  r: ServeRequest,
): Promise<ServeResult> {
  const [row] = await database.prepared<ServeResult>(SERVE_AD, [
    r.clientId,
    r.day,
    r.catalogVersion,
    r.profileVersion,
    r.overshoot,
    r.campaigns,
    r.unseen,
    r.seen,
    r.clicked,
    r.floor,
  ]);
  if (!row) throw new Error('adnova_serve_ad returned no row');
  return row;
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
