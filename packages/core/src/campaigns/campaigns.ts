import { findAdvertiserRow } from '../advertisers/advertisers.repo.ts';
import { getCurrentDay } from '../clock/clock.ts';
import type { Config } from '../config.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, invalidField, notFound } from '../errors.ts';
import { decimalToNumber, moneyToDecimal } from '../shared/money.ts';
import { normalizeId } from '../shared/schema.ts';
import { discardObject, objectUrl } from '../storage/storage.ts';
import { CAMPAIGN_BOUNDS, campaignRuleIssues, frozenFieldsChanged } from './campaign-rules.ts';
import {
  type CampaignRow,
  type CampaignValues,
  deleteCampaignRow,
  findCampaignRow,
  insertCampaignRow,
  listCampaignRows,
  updateCampaignRow,
} from './campaigns.repo.ts';
import type {
  Campaign,
  CreateCampaignInput,
  Targeting,
  TargetingInput,
  UpdateCampaignInput,
} from './campaigns.schema.ts';

/** Page size cap (spec §3.7): larger values are clamped, not rejected. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Absolute public URL of a stored campaign image: `{PUBLIC_BASE_URL}/media/{key}` on disk, the
 * bucket's public URL on S3 (spec §7.1). A string concatenation, cheap enough for `GET /ads`.
 */
export function mediaUrl(config: Pick<Config, 'storage'>, key: string): string {
  return objectUrl(config.storage, key);
}

export function toCampaign(row: CampaignRow, config: Pick<Config, 'storage'>): Campaign {
  return {
    campaign_id: row.id,
    advertiser_id: row.advertiserId,
    impressions_limit: row.impressionsLimit,
    clicks_limit: row.clicksLimit,
    cost_per_impression: decimalToNumber(row.costPerImpression),
    cost_per_click: decimalToNumber(row.costPerClick),
    ad_title: row.adTitle,
    ad_text: row.adText,
    start_date: row.startDate,
    end_date: row.endDate,
    targeting: {
      gender: row.targetGender,
      age_from: row.targetAgeFrom,
      age_to: row.targetAgeTo,
      location: row.targetLocation,
    },
    ad_image: row.adImageKey ? mediaUrl(config, row.adImageKey) : null,
  };
}

function targetingColumns(targeting: TargetingInput | null | undefined) {
  return {
    targetGender: targeting?.gender ?? null,
    targetAgeFrom: targeting?.age_from ?? null,
    targetAgeTo: targeting?.age_to ?? null,
    targetLocation: targeting?.location ?? null,
  };
}

/**
 * Prices are finite and within their bounds (spec §1.6, §4.3). The API's schema refuses them
 * first; this guards the other shells (the admin panel) that call the domain directly.
 */
function checkCosts(c: { cost_per_impression?: number; cost_per_click?: number }): void {
  for (const field of ['cost_per_impression', 'cost_per_click'] as const) {
    const value = c[field];
    const { min, max } = CAMPAIGN_BOUNDS[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= max)) {
      throw invalidField(field, `${field} must be a number from ${min} to ${max}.`);
    }
  }
}

/** Cross-field rules of spec §4.3 (campaign-rules.ts), on the merged campaign: the first broken one. */
function checkCampaignRules(c: CampaignValues, currentDay: number, startDateChanged: boolean): void {
  const [issue] = campaignRuleIssues(
    {
      impressions_limit: c.impressionsLimit,
      clicks_limit: c.clicksLimit,
      start_date: c.startDate,
      end_date: c.endDate,
      age_from: c.targetAgeFrom,
      age_to: c.targetAgeTo,
    },
    startDateChanged ? currentDay : undefined,
  );
  if (!issue) return;
  if (issue.field !== 'age_from') throw invalidField(issue.field, issue.message);
  throw new AppError('VALIDATION', issue.message, {
    issues: [{ loc: ['body', 'targeting', 'age_from'], msg: issue.message, type: 'value_error' }],
  });
}

/**
 * Creates a campaign for an existing advertiser (spec §3.6).
 * @throws AppError NOT_FOUND for an unknown advertiser; VALIDATION for a price out of range, a
 * cross-field rule or a start_date before the current day.
 */
export async function createCampaign(
  deps: Pick<Deps, 'db' | 'config'>,
  advertiserId: string,
  input: CreateCampaignInput,
): Promise<Campaign> {
  checkCosts(input);
  const owner = normalizeId(advertiserId);
  const row = await withTransaction(deps.db, async (tx) => {
    if (!(await findAdvertiserRow(tx, owner))) throw notFound();
    const values: CampaignValues = {
      advertiserId: owner,
      impressionsLimit: input.impressions_limit,
      clicksLimit: input.clicks_limit,
      costPerImpression: moneyToDecimal(input.cost_per_impression),
      costPerClick: moneyToDecimal(input.cost_per_click),
      adTitle: input.ad_title,
      adText: input.ad_text,
      startDate: input.start_date,
      endDate: input.end_date,
      ...targetingColumns(input.targeting),
    };
    checkCampaignRules(values, await getCurrentDay(tx, true), true);
    return insertCampaignRow(tx, values);
  });
  return toCampaign(row, deps.config);
}

/** @throws AppError NOT_FOUND for an unknown campaign or one of another advertiser. */
export async function getCampaign(
  deps: Pick<Deps, 'db' | 'config'>,
  advertiserId: string,
  campaignId: string,
): Promise<Campaign> {
  const row = await findCampaignRow(deps.db, normalizeId(advertiserId), normalizeId(campaignId));
  if (!row) throw notFound();
  return toCampaign(row, deps.config);
}

/**
 * Partially updates a campaign (spec §3.9): absent fields keep their value, `targeting: null`
 * clears it, an object replaces it. Nothing is written unless the whole result is valid.
 * @throws AppError NOT_FOUND (unknown or foreign campaign), FORBIDDEN (a frozen field changed
 * after start), VALIDATION (a price out of range, a cross-field rule, or a changed start_date before
 * the current day).
 */
export async function updateCampaign(
  deps: Pick<Deps, 'db' | 'config'>,
  advertiserId: string,
  campaignId: string,
  patch: UpdateCampaignInput,
): Promise<Campaign> {
  checkCosts(patch);
  const row = await withTransaction(deps.db, async (tx) => {
    const current = await findCampaignRow(tx, normalizeId(advertiserId), normalizeId(campaignId), true);
    if (!current) throw notFound();
    const today = await getCurrentDay(tx, true);
    const started = current.startDate <= today;
    const frozen = {
      impressions_limit: current.impressionsLimit,
      clicks_limit: current.clicksLimit,
      start_date: current.startDate,
      end_date: current.endDate,
    };
    if (started && frozenFieldsChanged(frozen, patch).length > 0) throw forbidden();
    const changes: Partial<CampaignValues> = {
      ...(patch.impressions_limit !== undefined && { impressionsLimit: patch.impressions_limit }),
      ...(patch.clicks_limit !== undefined && { clicksLimit: patch.clicks_limit }),
      ...(patch.cost_per_impression !== undefined && {
        costPerImpression: moneyToDecimal(patch.cost_per_impression),
      }),
      ...(patch.cost_per_click !== undefined && { costPerClick: moneyToDecimal(patch.cost_per_click) }),
      ...(patch.ad_title !== undefined && { adTitle: patch.ad_title }),
      ...(patch.ad_text !== undefined && { adText: patch.ad_text }),
      ...(patch.start_date !== undefined && { startDate: patch.start_date }),
      ...(patch.end_date !== undefined && { endDate: patch.end_date }),
      ...(patch.targeting !== undefined && targetingColumns(patch.targeting)),
    };
    checkCampaignRules(
      { ...current, ...changes },
      today,
      changes.startDate !== undefined && changes.startDate !== current.startDate,
    );
    return updateCampaignRow(tx, current.id, changes);
  });
  return toCampaign(row, deps.config);
}

/**
 * Deletes a campaign with its events and then its stored image (spec §3.10); reports keep existing
 * with no campaign. The image goes only once the row is gone, so no campaign ever links to a
 * missing object; a failed object delete is logged, not reported (the campaign is deleted).
 * @throws AppError NOT_FOUND for an unknown or foreign campaign.
 */
export async function deleteCampaign(
  deps: Pick<Deps, 'db' | 'storage' | 'log'>,
  advertiserId: string,
  campaignId: string,
): Promise<void> {
  const deleted = await deleteCampaignRow(deps.db, normalizeId(advertiserId), normalizeId(campaignId));
  if (!deleted) throw notFound();
  if (deleted.adImageKey) await discardObject(deps, deleted.adImageKey, 'campaign deleted');
}

/**
 * One page of an advertiser's campaigns (spec §3.7).
 * @throws AppError NOT_FOUND for an unknown advertiser.
 */
export async function listCampaigns(
  deps: Pick<Deps, 'db' | 'config'>,
  advertiserId: string,
  paging: { page?: number; size?: number },
): Promise<{ items: Campaign[]; total: number }> {
  const owner = normalizeId(advertiserId);
  if (!(await findAdvertiserRow(deps.db, owner))) throw notFound();
  const page = paging.page ?? 1;
  const size = Math.min(paging.size ?? 100, MAX_PAGE_SIZE);
  const { rows, total } = await listCampaignRows(deps.db, owner, (page - 1) * size, size);
  return { items: rows.map((r) => toCampaign(r, deps.config)), total };
}

export type { Targeting };
