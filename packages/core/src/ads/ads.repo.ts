import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

export type ImpressionOutcome = 'recorded' | 'seen' | 'impressions_cap' | 'clicks_cap' | 'inactive' | 'gone';

/** What the process asks `adnova_serve_ad` (migrations 0008, 0009) to decide and record for one request. */
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

/** 'busy': a campaign to record was locked by another transaction; nothing was recorded. */
export type ServeOutcome = 'served' | 'none' | 'more' | 'stale' | 'resync' | 'busy' | 'unknown_client';

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

const SERVE_ADS: PreparedStatement = {
  name: 'adnova_serve_ads',
  text: `SELECT * FROM adnova_serve_ads($1::uuid[], $2::int[], $3::bigint[], $4::bigint[], $5::int[],
                                      $6::int[], $7::boolean[], $8::int[], $9::uuid[], $10::boolean[],
                                      $11::boolean[], $12::numeric, $13::boolean)`,
};

/**
 * Decides among each request's ranked candidates and records the impressions, in one statement
 * and one transaction for the group (migration 0009): the only database round trip of a
 * `GET /ads` whose client is cached. One answer per request, in order. The impression overshoot
 * is the first request's (it is the process's setting). Without `wait`, a campaign another
 * transaction holds answers 'busy'; with it, a request waits for its lock while the group holds
 * none (for a request sent alone: see `createServeQueue`).
 */
export async function serveAdRows(
  database: Pick<Database, 'prepared'>,
  requests: readonly ServeRequest[],
  wait = false,
): Promise<ServeResult[]> {
  let campaigns = '';
  let seen = '';
  let clicked = '';
  const ends: number[] = [];
  let count = 0;
  for (const r of requests) {
    for (const [i, id] of r.campaigns.entries()) {
      const separator = count === 0 ? '' : ',';
      campaigns += separator + id;
      seen += separator + (r.seen[i] ? 't' : 'f');
      clicked += separator + (r.clicked[i] ? 't' : 'f');
      count++;
    }
    ends.push(count);
  }
  // The candidate arrays go as array literals: the ids come from the catalog (PostgreSQL's own uuid
  // text), which needs no quoting, and the driver's per-element escaping of ~750 values per group
  // was 5 % of the API's CPU.
  const answers = await database.prepared<ServeResult>(SERVE_ADS, [
    requests.map((r) => r.clientId),
    requests.map((r) => r.day),
    requests.map((r) => r.catalogVersion),
    requests.map((r) => r.profileVersion),
    requests.map((r) => r.seenCount),
    requests.map((r) => r.clickedCount),
    requests.map((r) => r.more),
    ends,
    `{${campaigns}}`,
    `{${seen}}`,
    `{${clicked}}`,
    requests[0]?.overshoot ?? 0,
    wait,
  ]);
  if (answers.length !== requests.length)
    throw new Error(`adnova_serve_ads answered ${answers.length} of ${requests.length} requests`);
  return answers;
}

/** One request alone: `serveAdRows` for a group of one. */
export async function serveAdRow(
  database: Pick<Database, 'prepared'>,
  r: ServeRequest,
  wait = false,
): Promise<ServeResult> {
  const [answer] = await serveAdRows(database, [r], wait);
  if (!answer) throw new Error('adnova_serve_ads returned no row');
  return answer;
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
