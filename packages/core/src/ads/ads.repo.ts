import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

export type ImpressionOutcome = 'recorded' | 'seen' | 'impressions_cap' | 'clicks_cap' | 'inactive' | 'gone';

/** What the process asks `adnova_serve_ad` (migration 0008) to decide and record. */
export type ServeRequest = {
  clientId: string;
  /** The day, catalog version and profile version the candidates were ranked with. */
  day: number;
  catalogVersion: number | null;
  profileVersion: number;
  /** How many campaigns the process knows the client has seen and clicked. */
  seenCount: number | null;
  clickedCount: number | null;
  overshoot: number;
  /** Candidates best first, each with the state it was ranked in: seen, clicked. */
  campaigns: string[];
  seen: boolean[];
  clicked: boolean[];
  /** Candidates were left out: 'more' instead of 'none' when none of these can be served. */
  more: boolean;
};

export type ServeOutcome = 'served' | 'none' | 'more' | 'stale' | 'resync' | 'unknown_client';

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
  /** When the counts differed: every campaign the client has seen, and clicked. */
  seen: string[] | null;
  clicked: string[] | null;
};

const SERVE_AD: PreparedStatement = {
  name: 'adnova_serve_ad',
  text: `SELECT * FROM adnova_serve_ad($1::uuid, $2::int, $3::bigint, $4::bigint, $5::int, $6::int,
                                     $7::numeric, $8::uuid[], $9::boolean[], $10::boolean[], $11::boolean)`,
};

/**
 * Decides among ranked candidates and records the impression, in one statement: the only
 * database round trip of a `GET /ads` whose client is cached (see migration 0008).
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
    r.seenCount,
    r.clickedCount,
    r.overshoot,
    r.campaigns,
    r.seen,
    r.clicked,
    r.more,
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
