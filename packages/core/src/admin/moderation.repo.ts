import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';
import type { ReportState } from '../reports/reports.schema.ts';
import { booleanFilter, choiceFilter, type ListSpec } from './list-query.ts';

/**
 * The moderation side of `reports` (spec §7.3, §7.4): what the queue lists and what moderators may
 * change (only `state`) or delete. Creating reports and storing verdicts belong to `reports/`.
 */

export type ReportRecord = {
  id: string;
  campaignId: string | null;
  clientId: string | null;
  /** Null when the client was deleted. */
  clientLogin: string | null;
  /** The campaign's current title; null when the campaign was deleted. */
  campaignTitle: string | null;
  /** The texts the client complained about (a snapshot; the campaign may have changed since). */
  adTitle: string;
  adText: string;
  message: string | null;
  state: ReportState;
  flaggedByLlm: boolean | null;
  createdAt: Date;
  updatedAt: Date;
};

const reportSelect = sql`r.id, r.campaign_id AS "campaignId", r.client_id AS "clientId", c.login AS "clientLogin",
  x.ad_title AS "campaignTitle", r.ad_title AS "adTitle", r.ad_text AS "adText", r.message, r.state,
  r.flagged_by_llm AS "flaggedByLlm", r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;
const reportFrom = sql`reports r LEFT JOIN clients c ON c.id = r.client_id LEFT JOIN campaigns x ON x.id = r.campaign_id`;

export const reportList: ListSpec = {
  select: reportSelect,
  from: reportFrom,
  sort: {
    created: sql`r.created_at`,
    updated: sql`r.updated_at`,
    state: sql`r.state`,
    flagged: sql`r.flagged_by_llm`,
    client: sql`c.login`,
    title: sql`r.ad_title`,
  },
  defaultSort: '-created',
  tieBreak: sql`r.id`,
  search: [
    sql`r.id::text`,
    sql`r.campaign_id::text`,
    sql`r.client_id::text`,
    sql`c.login`,
    sql`r.ad_title`,
    sql`r.ad_text`,
    sql`r.message`,
  ],
  filters: {
    state: choiceFilter({
      s: sql`r.state = 's'`,
      r: sql`r.state = 'r'`,
      t: sql`r.state = 't'`,
      f: sql`r.state = 'f'`,
    }),
    flagged: booleanFilter(sql`r.flagged_by_llm`, true),
  },
};

export async function findReportRecord(db: Db, id: string): Promise<ReportRecord | undefined> {
  const [row] = await rows<ReportRecord>(
    db,
    sql`SELECT ${reportSelect} FROM ${reportFrom} WHERE r.id = ${id}::uuid`,
  );
  return row;
}

/** Sets the state of the listed reports in one statement; returns the ids that exist. */
export async function updateReportStateRows(
  db: Db,
  ids: readonly string[],
  state: ReportState,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const updated = await rows<{ id: string }>(
    db,
    sql`UPDATE reports SET state = ${state}, updated_at = now()
        WHERE id IN (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )}) RETURNING id`,
  );
  return updated.map((r) => r.id);
}

/** Deletes the listed reports; returns how many existed. */
export async function deleteReportRows(db: Db, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await rows<{ id: string }>(
    db,
    sql`DELETE FROM reports WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )}) RETURNING id`,
  );
  return deleted.length;
}
