import { findAdvertiserRow } from '../advertisers/advertisers.repo.ts';
import { campaignExists } from '../campaigns/campaigns.repo.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { decimalToNumber } from '../shared/money.ts';
import { normalizeId } from '../shared/schema.ts';
import {
  advertiserDailyRows,
  advertiserTotalsRow,
  campaignDailyRows,
  campaignTotalsRow,
  type StatsRow,
} from './stats.repo.ts';
import type { DailyStats, Stats } from './stats.schema.ts';

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

/** One entry per day of the campaign's range (spec §3.15). @throws AppError NOT_FOUND */
export async function getCampaignDailyStats(
  deps: Pick<Deps, 'db'>,
  campaignId: string,
): Promise<DailyStats[]> {
  const id = normalizeId(campaignId);
  await requireCampaign(deps, id);
  return (await campaignDailyRows(deps.db, id)).map(toDaily);
}

/** One entry per day 0..current_date (spec §3.16). @throws AppError NOT_FOUND */
export async function getAdvertiserDailyStats(
  deps: Pick<Deps, 'db'>,
  advertiserId: string,
): Promise<DailyStats[]> {
  const id = normalizeId(advertiserId);
  await requireAdvertiser(deps, id);
  return (await advertiserDailyRows(deps.db, id)).map(toDaily);
}
