import { findAdvertiserRow } from '../advertisers/advertisers.repo.ts';
import { campaignExists } from '../campaigns/campaigns.repo.ts';
import { getCurrentDay } from '../clock/clock.ts';
import type { Deps } from '../deps.ts';
import { AppError, type Issue, notFound } from '../errors.ts';
import { decimalToNumber } from '../shared/money.ts';
import { MAX_INT32, normalizeId } from '../shared/schema.ts';
import {
  advertiserDailyRows,
  advertiserTotalsRow,
  campaignDailyRows,
  campaignTotalsRow,
  type DayRange,
  findCampaignDayRange,
  type StatsRow,
} from './stats.repo.ts';
import {
  type DailySeries,
  type DailyStats,
  type DayWindow,
  MAX_DAILY_DAYS,
  type Stats,
} from './stats.schema.ts';

function toStats(row: StatsRow | undefined): Stats {
  return {
    impressions_count: Number(row?.impressions_count ?? 0),
    clicks_count: Number(row?.clicks_count ?? 0),
    conversion: decimalToNumber(row?.conversion),
    spent_impressions: decimalToNumber(row?.spent_impressions),
    spent_clicks: decimalToNumber(row?.spent_clicks),
    spent_total: decimalToNumber(row?.spent_total),
  };
}

const toDaily = (row: StatsRow & { date: number }): DailyStats => ({ ...toStats(row), date: row.date });

async function requireCampaign(deps: Pick<Deps, 'db'>, id: string): Promise<void> {
  if (!(await campaignExists(deps.db, id))) throw notFound();
}

async function requireAdvertiser(deps: Pick<Deps, 'db'>, id: string): Promise<void> {
  if (!(await findAdvertiserRow(deps.db, id))) throw notFound();
}

/** Totals of one campaign over all days (spec §3.13). @throws AppError NOT_FOUND */
export async function getCampaignStats(deps: Pick<Deps, 'db'>, campaignId: string): Promise<Stats> {
  const id = normalizeId(campaignId);
  await requireCampaign(deps, id);
  return toStats(await campaignTotalsRow(deps.db, id));
}

/** Totals over the advertiser's existing campaigns (spec §3.14). @throws AppError NOT_FOUND */
export async function getAdvertiserStats(deps: Pick<Deps, 'db'>, advertiserId: string): Promise<Stats> {
  const id = normalizeId(advertiserId);
  await requireAdvertiser(deps, id);
  return toStats(await advertiserTotalsRow(deps.db, id));
}

/**
 * What is wrong with a daily window (spec §8 #37): each end an integer in 0..2^31 − 1,
 * `from_day <= to_day`, and at most `MAX_DAILY_DAYS` days between them (both ends inclusive).
 */
export function dayWindowIssues(window: DayWindow): Issue[] {
  const issues: Issue[] = [];
  const issue = (field: 'from_day' | 'to_day', msg: string) =>
    issues.push({ loc: ['query', field], msg, type: 'value_error' });
  for (const field of ['from_day', 'to_day'] as const) {
    const value = window[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_INT32)) {
      issue(field, `${field} must be an integer in 0..${MAX_INT32}.`);
    }
  }
  const { from_day: from, to_day: to } = window;
  if (issues.length > 0 || from === undefined || to === undefined) return issues;
  if (from > to) issue('from_day', "from_day can't be greater than to_day.");
  else if (to - from + 1 > MAX_DAILY_DAYS) {
    issue(
      'to_day',
      `from_day..to_day spans ${to - from + 1} days; a daily series returns at most ${MAX_DAILY_DAYS} days per request.`,
    );
  }
  return issues;
}

/**
 * The days of `range` a daily series returns (spec §8 #37), or undefined when none: without a
 * window, the last `MAX_DAILY_DAYS` days of the range; `from_day` alone, up to `MAX_DAILY_DAYS`
 * days from it; `to_day` alone, up to `MAX_DAILY_DAYS` days ending at it; both, exactly them.
 * Always intersected with the range. Expects a window without `dayWindowIssues`.
 */
export function dailyWindow(range: DayRange, window: DayWindow): DayRange | undefined {
  const { from_day: from, to_day: to } = window;
  const span = MAX_DAILY_DAYS - 1;
  let wanted: DayRange;
  if (from !== undefined && to !== undefined) wanted = { first: from, last: to };
  else if (from !== undefined) wanted = { first: from, last: from + span };
  else if (to !== undefined) wanted = { first: to - span, last: to };
  else wanted = { first: range.last - span, last: range.last };
  const first = Math.max(range.first, wanted.first);
  const last = Math.min(range.last, wanted.last);
  return first <= last ? { first, last } : undefined;
}

function checkWindow(window: DayWindow): void {
  const issues = dayWindowIssues(window);
  const [first] = issues;
  if (first) throw new AppError('VALIDATION', first.msg, { issues });
}

/** The window of `range` as a series; `total` counts every day of the range. */
async function series(
  range: DayRange,
  window: DayWindow,
  read: (from: number, to: number) => Promise<(StatsRow & { date: number })[]>,
): Promise<DailySeries> {
  const total = Math.max(0, range.last - range.first + 1);
  const days = dailyWindow(range, window);
  return { days: days ? (await read(days.first, days.last)).map(toDaily) : [], total };
}

/**
 * One entry per day of the campaign's range (spec §3.15), at most `MAX_DAILY_DAYS` of them (§8 #37).
 * @throws AppError NOT_FOUND for an unknown campaign; VALIDATION for a bad window.
 */
export async function getCampaignDailyStats(
  deps: Pick<Deps, 'db'>,
  campaignId: string,
  window: DayWindow = {},
): Promise<DailySeries> {
  const id = normalizeId(campaignId);
  const range = await findCampaignDayRange(deps.db, id);
  if (!range) throw notFound();
  checkWindow(window);
  return series(range, window, (from, to) => campaignDailyRows(deps.db, id, from, to));
}

/**
 * One entry per day 0..current_date (spec §3.16), at most `MAX_DAILY_DAYS` of them (§8 #37).
 * @throws AppError NOT_FOUND for an unknown advertiser; VALIDATION for a bad window.
 */
export async function getAdvertiserDailyStats(
  deps: Pick<Deps, 'db'>,
  advertiserId: string,
  window: DayWindow = {},
): Promise<DailySeries> {
  const id = normalizeId(advertiserId);
  await requireAdvertiser(deps, id);
  checkWindow(window);
  const range = { first: 0, last: await getCurrentDay(deps.db) };
  return series(range, window, (from, to) => advertiserDailyRows(deps.db, id, from, to));
}
