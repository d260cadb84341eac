import { sql } from 'drizzle-orm';
import { booleanFilter, choiceFilter, findListRow, type ListSpec } from '../admin/list-query.ts';
import { type Db, rows } from '../db/database.ts';
import type { ReportState } from './reports.schema.ts';

/**
 * Stores a report in one statement that also checks the campaign exists and the client was shown
 * it, snapshotting the campaign's current title and text. Undefined when nothing was inserted:
 * the campaign is unknown, the client never saw it, or the pair already has a report (a
 * concurrent duplicate included; the unique constraint decides).
 */
export async function insertReportRow(
  db: Db,
  report: { campaignId: string; clientId: string; message: string | null; moderationJobId: string },
): Promise<{ id: string } | undefined> {
  const [row] = await rows<{ id: string }>(
    db,
    sql`
      INSERT INTO reports (campaign_id, client_id, message, ad_title, ad_text, moderation_job_id)
      SELECT c.id, ${report.clientId}::uuid, ${report.message}, c.ad_title, c.ad_text, ${report.moderationJobId}::uuid
      FROM campaigns c
      WHERE c.id = ${report.campaignId}::uuid
        AND EXISTS (SELECT 1 FROM impressions i WHERE i.campaign_id = c.id AND i.client_id = ${report.clientId}::uuid)
      ON CONFLICT (campaign_id, client_id) DO NOTHING
      RETURNING id`,
  );
  return row;
}

export async function impressionExists(db: Db, campaignId: string, clientId: string): Promise<boolean> {
  const found = await rows(
    db,
    sql`SELECT 1 FROM impressions WHERE campaign_id = ${campaignId}::uuid AND client_id = ${clientId}::uuid`,
  );
  return found.length > 0;
}

export type ReportRow = {
  id: string;
  campaignId: string | null;
  clientId: string | null;
  state: ReportState;
  message: string | null;
  adTitle: string;
  adText: string;
  flaggedByLlm: boolean | null;
  moderationJobId: string | null;
};

export async function findReportRow(db: Db, id: string): Promise<ReportRow | undefined> {
  const [row] = await rows<ReportRow>(
    db,
    sql`
      SELECT id, campaign_id AS "campaignId", client_id AS "clientId", state, message, ad_title AS "adTitle",
             ad_text AS "adText", flagged_by_llm AS "flaggedByLlm", moderation_job_id AS "moderationJobId"
      FROM reports WHERE id = ${id}::uuid`,
  );
  return row;
}

/** Records the verdict unless one is already there; false when the report is gone or judged. */
export async function setReportVerdictRow(db: Db, id: string, flagged: boolean): Promise<boolean> {
  const updated = await rows(
    db,
    sql`UPDATE reports SET flagged_by_llm = ${flagged}, updated_at = now()
        WHERE id = ${id}::uuid AND flagged_by_llm IS NULL RETURNING id`,
  );
  return updated.length > 0;
}

/** One page (by id) of reports still waiting for a verdict, with their moderation job ids. */
export async function listUnjudgedReportRows(
  db: Db,
  afterId: string | undefined,
  limit: number,
): Promise<{ id: string; moderationJobId: string | null }[]> {
  return rows(
    db,
    sql`
      SELECT id, moderation_job_id AS "moderationJobId" FROM reports
      WHERE flagged_by_llm IS NULL ${afterId ? sql`AND id > ${afterId}::uuid` : sql``}
      ORDER BY id LIMIT ${limit}`,
  );
}

/** Points the report at a new moderation job, unless another worker already did (compare and set). */
export async function replaceModerationJobRow(
  db: Db,
  id: string,
  previousJobId: string | null,
  jobId: string,
): Promise<boolean> {
  const updated = await rows(
    db,
    sql`UPDATE reports SET moderation_job_id = ${jobId}::uuid, updated_at = now()
        WHERE id = ${id}::uuid AND flagged_by_llm IS NULL
          AND moderation_job_id IS NOT DISTINCT FROM ${previousJobId}::uuid
        RETURNING id`,
  );
  return updated.length > 0;
}

/** A report as the moderation queue shows it (spec §7.3, §7.4). */
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

/** The moderation queue: what it selects, sorts, searches (ids, login, texts) and filters. */
export const reportList: ListSpec = {
  select: sql`r.id, r.campaign_id AS "campaignId", r.client_id AS "clientId", c.login AS "clientLogin",
    x.ad_title AS "campaignTitle", r.ad_title AS "adTitle", r.ad_text AS "adText", r.message, r.state,
    r.flagged_by_llm AS "flaggedByLlm", r.created_at AS "createdAt", r.updated_at AS "updatedAt"`,
  from: sql`reports r LEFT JOIN clients c ON c.id = r.client_id LEFT JOIN campaigns x ON x.id = r.campaign_id`,
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
  return findListRow<ReportRecord>(db, reportList, sql`r.id = ${id}::uuid`);
}

const idList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/** Sets the state of the listed reports in one statement; returns the ids that exist. */
export async function updateReportStateRows(
  db: Db,
  ids: readonly string[],
  state: ReportState,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const updated = await rows<{ id: string }>(
    db,
    sql`UPDATE reports SET state = ${state}, updated_at = now() WHERE id IN (${idList(ids)}) RETURNING id`,
  );
  return updated.map((r) => r.id);
}

/** Deletes the listed reports; returns how many existed. */
export async function deleteReportRows(db: Db, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await rows<{ id: string }>(
    db,
    sql`DELETE FROM reports WHERE id IN (${idList(ids)}) RETURNING id`,
  );
  return deleted.length;
}
