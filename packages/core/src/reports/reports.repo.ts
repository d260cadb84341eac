import { sql } from 'drizzle-orm';
import { type Db, rows } from '../db/database.ts';

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
  state: 's' | 'r' | 't' | 'f';
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
