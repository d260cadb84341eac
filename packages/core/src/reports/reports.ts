import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isUuid, type ListPage, type ListParams, listPage, mapRows } from '../admin/list-query.ts';
import { campaignExists } from '../campaigns/campaigns.repo.ts';
import { clientExists } from '../clients/clients.repo.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, invalidField, notFound } from '../errors.ts';
import { type JobContext, type JobStatus, PermanentJobError } from '../jobs/queue.ts';
import { normalizeId } from '../shared/schema.ts';
import {
  deleteReportRows,
  findReportRecord,
  findReportRow,
  impressionExists,
  insertReportRow,
  listUnjudgedReportRows,
  type ReportRecord,
  replaceModerationJobRow,
  reportList,
  setReportVerdictRow,
  updateReportStateRows,
} from './reports.repo.ts';
import type { CreateReportInput, ReportAccepted, ReportState } from './reports.schema.ts';

export type { ReportRecord };

export const MODERATE_REPORT_JOB = 'moderate-report';

const Payload = Type.Object({ report_id: Type.String() });

/** Job states in which a moderation job will still deliver a verdict. */
const IN_FLIGHT: ReadonlySet<JobStatus> = new Set(['PENDING', 'RECEIVED', 'STARTED', 'RETRY']);

async function enqueueModeration(
  deps: Pick<Deps, 'queue' | 'log'>,
  reportId: string,
  jobId: string,
): Promise<void> {
  try {
    await deps.queue.enqueue(MODERATE_REPORT_JOB, { report_id: reportId }, { id: jobId });
  } catch (error) {
    // The report is stored; `resumeModeration` enqueues its moderation once the queue is back.
    deps.log.warn({ err: error, report: reportId }, 'moderation not queued yet; it will be resumed');
  }
}

/**
 * A client's complaint about an ad it was shown (spec §7.3): stores a report in state `s` with
 * the campaign's current title and text and queues their moderation.
 * @throws AppError VALIDATION for a blank message; NOT_FOUND for an unknown campaign (checked
 * first) or client; FORBIDDEN when the client never had an impression of the campaign; CONFLICT
 * when this client already reported this campaign (concurrent duplicates included).
 */
export async function createReport(
  deps: Pick<Deps, 'db' | 'queue' | 'log'>,
  campaignIdInput: string,
  input: CreateReportInput,
): Promise<ReportAccepted> {
  const message = input.message ?? null;
  if (message !== null && message.trim() === '') throw invalidField('message', "message can't be blank.");
  const campaignId = normalizeId(campaignIdInput);
  const clientId = normalizeId(input.client_id);
  const moderationJobId = randomUUID();
  const report = await insertReportRow(deps.db, { campaignId, clientId, message, moderationJobId });
  if (!report) {
    if (!(await campaignExists(deps.db, campaignId))) throw notFound();
    if (!(await clientExists(deps.db, clientId))) throw notFound();
    if (!(await impressionExists(deps.db, campaignId, clientId))) throw forbidden();
    throw new AppError('CONFLICT', 'This client has already reported this campaign.');
  }
  await enqueueModeration(deps, report.id, moderationJobId);
  return { status: 'ok' };
}

export type ModerationOutcome = { report: 'gone' } | { report: 'judged'; flagged: boolean; stored: boolean };

/**
 * The moderation job: the report's title and text are judged in parallel and the report is
 * flagged if either breaks a rule. LLM errors fail the attempt, so the queue retries it with
 * backoff and `flagged_by_llm` stays null meanwhile (spec §8 #26). A report deleted in the
 * meantime is dropped; one already judged keeps its verdict.
 */
export async function runReportModeration(
  deps: Pick<Deps, 'db' | 'llm'>,
  payload: unknown,
  context: Pick<JobContext, 'signal'>,
): Promise<ModerationOutcome> {
  if (!Value.Check(Payload, payload)) throw new PermanentJobError('invalid moderation payload');
  const report = await findReportRow(deps.db, payload.report_id);
  if (!report) return { report: 'gone' };
  if (report.flaggedByLlm !== null) return { report: 'judged', flagged: report.flaggedByLlm, stored: false };
  const [title, text] = await Promise.all([
    deps.llm.isViolation(report.adTitle, context.signal),
    deps.llm.isViolation(report.adText, context.signal),
  ]);
  const flagged = title || text;
  const stored = await setReportVerdictRow(deps.db, report.id, flagged);
  return stored || (await findReportRow(deps.db, report.id))
    ? { report: 'judged', flagged, stored }
    : { report: 'gone' };
}

/**
 * Queues moderation again for every report still without a verdict whose job is lost (expired,
 * never stored because the queue was down) or finished without one (all attempts failed), so no
 * report stays unjudged. Runs when a worker starts and periodically; several workers doing it at
 * once queue each report once (compare-and-set on its job id). Returns how many were queued.
 */
export async function resumeModeration(deps: Pick<Deps, 'db' | 'queue' | 'log'>): Promise<number> {
  let queued = 0;
  let after: string | undefined;
  for (;;) {
    const page = await listUnjudgedReportRows(deps.db, after, 200);
    if (page.length === 0) break;
    for (const report of page) {
      const job = report.moderationJobId ? await deps.queue.getJob(report.moderationJobId) : undefined;
      if (job && IN_FLIGHT.has(job.status)) continue;
      const jobId = randomUUID();
      if (!(await replaceModerationJobRow(deps.db, report.id, report.moderationJobId, jobId))) continue;
      await enqueueModeration(deps, report.id, jobId);
      queued++;
    }
    after = page[page.length - 1]?.id;
  }
  if (queued > 0) deps.log.info({ queued }, 'moderation resumed for reports without a verdict');
  return queued;
}

/** Report states in the order a moderator works through them (spec §7.3). */
export const REPORT_STATES: readonly ReportState[] = ['s', 'r', 't', 'f'];

/** Most reports one bulk action may touch (a page of the queue is at most 500). */
export const MAX_BULK_REPORTS = 500;

function isReportState(value: string): value is ReportState {
  return (REPORT_STATES as readonly string[]).includes(value);
}

const toRecord = (row: ReportRecord): ReportRecord => ({
  ...row,
  createdAt: new Date(row.createdAt),
  updatedAt: new Date(row.updatedAt),
});

/**
 * The moderation queue: filters `state` and `flagged` (yes/no/unknown), search, newest first.
 * @throws AppError VALIDATION for a bad page, sort, filter or search (see `listPage`).
 */
export async function listReports(
  deps: Pick<Deps, 'db'>,
  params: ListParams,
): Promise<ListPage<ReportRecord>> {
  return mapRows(await listPage<ReportRecord>(deps.db, reportList, params), toRecord);
}

/** @throws AppError NOT_FOUND */
export async function getReport(deps: Pick<Deps, 'db'>, id: string): Promise<ReportRecord> {
  if (!isUuid(id)) throw notFound();
  const row = await findReportRecord(deps.db, normalizeId(id));
  if (!row) throw notFound();
  return toRecord(row);
}

function checkIds(ids: readonly string[]): string[] {
  if (ids.length === 0) throw invalidField('ids', 'Select at least one report.', 'none_selected');
  if (ids.length > MAX_BULK_REPORTS || !ids.every(isUuid)) {
    throw invalidField('ids', 'Select valid reports.', 'invalid_choice');
  }
  return [...new Set(ids.map(normalizeId))];
}

function checkState(state: string): ReportState {
  if (!isReportState(state)) throw invalidField('state', 'Select a valid report state.', 'invalid_choice');
  return state;
}

/**
 * A moderator moves a report through the queue; the only field they may change (spec §7.4).
 * @throws AppError NOT_FOUND; VALIDATION for a state other than s, r, t, f.
 */
export async function setReportState(
  deps: Pick<Deps, 'db'>,
  id: string,
  state: string,
): Promise<ReportRecord> {
  if (!isUuid(id)) throw notFound();
  const checked = checkState(state);
  const updated = await updateReportStateRows(deps.db, [normalizeId(id)], checked);
  if (updated.length === 0) throw notFound();
  return getReport(deps, id);
}

/**
 * The queue's bulk action: one state for every selected report still there. Returns how many changed.
 * @throws AppError VALIDATION for no selection, a bad id or state.
 */
export async function setReportsState(
  deps: Pick<Deps, 'db'>,
  ids: readonly string[],
  state: string,
): Promise<number> {
  const checked = checkState(state);
  return (await updateReportStateRows(deps.db, checkIds(ids), checked)).length;
}

/** @throws AppError NOT_FOUND */
export async function deleteReport(deps: Pick<Deps, 'db'>, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound();
  if ((await deleteReportRows(deps.db, [normalizeId(id)])) === 0) throw notFound();
}

/** Deletes the selected reports still there; returns how many. @throws AppError VALIDATION */
export async function deleteReports(deps: Pick<Deps, 'db'>, ids: readonly string[]): Promise<number> {
  return deleteReportRows(deps.db, checkIds(ids));
}
