import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { ReportState } from '../reports/reports.schema.ts';
import { normalizeId } from '../shared/schema.ts';
import { isUuid, type ListPage, type ListParams, listPage } from './list-query.ts';
import {
  deleteReportRows,
  findReportRecord,
  type ReportRecord,
  reportList,
  updateReportStateRows,
} from './moderation.repo.ts';
import { fieldErrors } from './users.ts';

export type { ReportRecord };

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

/** The moderation queue: filters `state` and `flagged` (yes/no/unknown), search, newest first. */
export async function listReports(
  deps: Pick<Deps, 'db'>,
  params: ListParams,
): Promise<ListPage<ReportRecord>> {
  const page = await listPage<ReportRecord>(deps.db, reportList, params);
  return { ...page, rows: page.rows.map(toRecord) };
}

/** @throws AppError NOT_FOUND */
export async function getReport(deps: Pick<Deps, 'db'>, id: string): Promise<ReportRecord> {
  if (!isUuid(id)) throw notFound();
  const row = await findReportRecord(deps.db, normalizeId(id));
  if (!row) throw notFound();
  return toRecord(row);
}

function checkIds(ids: readonly string[]): string[] {
  if (ids.length === 0)
    throw fieldErrors([{ field: 'ids', type: 'none_selected', msg: 'Select at least one report.' }]);
  if (ids.length > MAX_BULK_REPORTS || !ids.every(isUuid)) {
    throw fieldErrors([{ field: 'ids', type: 'invalid_choice', msg: 'Select valid reports.' }]);
  }
  return [...new Set(ids.map(normalizeId))];
}

function checkState(state: string): ReportState {
  if (!isReportState(state)) {
    throw fieldErrors([{ field: 'state', type: 'invalid_choice', msg: 'Select a valid report state.' }]);
  }
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
