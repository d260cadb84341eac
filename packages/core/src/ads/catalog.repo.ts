import { sql } from 'drizzle-orm';
import { type Database, type Db, type PreparedStatement, rows } from '../db/database.ts';

/** A client's profile with today's day and the versions, as one row (see `findClientProfile`). */
export type ClientProfileRow = {
  age: number;
  gender: 'MALE' | 'FEMALE';
  location: string;
  profile_version: number | string;
  /** advertiser id → score */
  scores: Record<string, number>;
  /** Campaigns the client has seen, and clicked. */
  seen: string[];
  clicked: string[];
  day: number;
  catalog_version: number | string;
  plan_version: number | string;
};

const CLIENT_PROFILE: PreparedStatement = {
  name: 'adnova_client_profile_v2',
  text: `SELECT cl.age, cl.gender, cl.location, cl.profile_version,
               coalesce((SELECT json_object_agg(s.advertiser_id, s.score) FROM ml_scores s
                          WHERE s.client_id = cl.id), '{}'::json) AS scores,
               coalesce((SELECT json_agg(m.campaign_id) FROM impressions m WHERE m.client_id = cl.id), '[]'::json) AS seen,
               coalesce((SELECT json_agg(k.campaign_id) FROM clicks k WHERE k.client_id = cl.id), '[]'::json) AS clicked,
               pc.day, cv.version AS catalog_version, sp.version AS plan_version
          FROM clients cl CROSS JOIN platform_clock pc CROSS JOIN catalog_version cv CROSS JOIN selection_plan sp
         WHERE cl.id = $1::uuid`,
};

/**
 * What ranking needs to know about a client that rarely changes (profile and ML scores, at their
 * version), with today's day and the catalog and plan versions: one prepared statement of index
 * lookups. No row: the client does not exist.
 */
export async function findClientProfile(
  database: Pick<Database, 'prepared'>,
  clientId: string,
): Promise<ClientProfileRow | undefined> {
  const [row] = await database.prepared<ClientProfileRow>(CLIENT_PROFILE, [clientId]);
  return row;
}

/** A client's profile as `loadClientProfiles` reads it. */
export type StoredProfileRow = Pick<
  ClientProfileRow,
  'age' | 'gender' | 'location' | 'profile_version' | 'scores' | 'seen' | 'clicked'
> & {
  id: string;
};

const PROFILE_COLUMNS = sql`cl.id, cl.age, cl.gender, cl.location, cl.profile_version,
  coalesce((SELECT json_object_agg(s.advertiser_id, s.score) FROM ml_scores s WHERE s.client_id = cl.id), '{}'::json) AS scores,
  coalesce((SELECT json_agg(m.campaign_id) FROM impressions m WHERE m.client_id = cl.id), '[]'::json) AS seen,
  coalesce((SELECT json_agg(k.campaign_id) FROM clicks k WHERE k.client_id = cl.id), '[]'::json) AS clicked`;

/** The clients most active since `fromDay`, most requests first (counted for the planner). */
export async function loadActiveClientIds(db: Db, fromDay: number, limit: number): Promise<string[]> {
  const found = await rows<{ client_id: string }>(
    db,
    sql`SELECT client_id FROM client_traffic WHERE day >= ${fromDay}
         GROUP BY client_id ORDER BY sum(requests) DESC LIMIT ${limit}`,
  );
  return found.map((r) => r.client_id);
}

/** Profiles of the given clients (those that exist). */
export function loadClientProfilesById(db: Db, ids: string[]): Promise<StoredProfileRow[]> {
  return rows<StoredProfileRow>(
    db,
    sql`SELECT ${PROFILE_COLUMNS} FROM clients cl WHERE cl.id = ANY(${sql.param(ids)}::uuid[])`,
  );
}

/** Profiles of up to `limit` clients in id order after `afterId` (keyset paging). */
export function loadClientProfiles(
  db: Db,
  afterId: string | null,
  limit: number,
): Promise<StoredProfileRow[]> {
  return rows<StoredProfileRow>(
    db,
    sql`SELECT ${PROFILE_COLUMNS} FROM clients cl
         WHERE ${afterId}::uuid IS NULL OR cl.id > ${afterId}::uuid
         ORDER BY cl.id LIMIT ${limit}`,
  );
}
