import { findAdvertiserRow } from '../advertisers/advertisers.repo.ts';
import { getCurrentDay } from '../clock/clock.ts';
import type { Config } from '../config.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, invalidField, notFound } from '../errors.ts';
import { decimalToNumber, moneyToDecimal } from '../shared/money.ts';
import { normalizeId } from '../shared/schema.ts';
import { discardObject, objectUrl } from '../storage/storage.ts';
import {
  CAMPAIGN_FIELD_NAMES,
  CAMPAIGN_FIELDS,
  type CampaignField,
  type CampaignFieldDef,
  campaignRuleIssues,
  FROZEN_FIELDS,
  type FrozenField,
  frozenFieldsChanged,
} from './campaign-rules.ts';
import {
  type CampaignRow,
  type CampaignValues,
  deleteCampaignRow,
  FIELD_COLUMN,
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

/** A field's API value from its column value: money is stored as an exact decimal string. */
function fromColumn(def: CampaignFieldDef, value: unknown): unknown {
  return def.kind === 'money' && value !== null ? decimalToNumber(value as string) : value;
}

function toColumn(def: CampaignFieldDef, value: unknown): unknown {
  return def.kind === 'money' && value !== null ? moneyToDecimal(value as number) : value;
}

/** The campaign's fields (campaign-rules.ts `CAMPAIGN_FIELDS`) as the API names them. */
function fieldsOf(row: Partial<CampaignValues>): Pick<Campaign, CampaignField> {
  const fields: Record<string, unknown> = {};
  for (const name of CAMPAIGN_FIELD_NAMES) {
    fields[name] = fromColumn(CAMPAIGN_FIELDS[name], row[FIELD_COLUMN[name]]);
  }
  return fields as Pick<Campaign, CampaignField>;
}

/** The columns of the fields present (not undefined) in `input`. */
function columnsOf(input: Partial<Record<CampaignField, unknown>>): Partial<CampaignValues> {
  const columns: Record<string, unknown> = {};
  for (const name of CAMPAIGN_FIELD_NAMES) {
    const value = input[name];
    if (value !== undefined) columns[FIELD_COLUMN[name]] = toColumn(CAMPAIGN_FIELDS[name], value);
  }
  return columns as Partial<CampaignValues>;
}

export function toCampaign(row: CampaignRow, config: Pick<Config, 'storage'>): Campaign {
  return {
    campaign_id: row.id,
    advertiser_id: row.advertiserId,
    ...fieldsOf(row),
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
 * Money is finite and within its bounds (spec §1.6, §4.3). The API's schema refuses it first;
 * this guards the other shells (the admin panel) that call the domain directly.
 */
function checkCosts(c: Partial<Record<CampaignField, unknown>>): void {
  for (const field of CAMPAIGN_FIELD_NAMES) {
    const { kind, min = 0, max = 0 }: CampaignFieldDef = CAMPAIGN_FIELDS[field];
    const value = c[field];
    if (kind !== 'money' || value === undefined || value === null) continue;
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max)) {
      throw invalidField(field, `${field} must be a number from ${min} to ${max}.`);
    }
  }
}

/** Cross-field rules of spec §4.3 (campaign-rules.ts), on the merged campaign: the first broken one. */
function checkCampaignRules(c: CampaignValues, currentDay: number, startDateChanged: boolean): void {
  const [issue] = campaignRuleIssues(
    { ...fieldsOf(c), age_from: c.targetAgeFrom, age_to: c.targetAgeTo },
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
    // Every required field is there: the API's schema and the domain's callers guarantee it.
    const values = {
      advertiserId: owner,
      ...columnsOf(input),
      ...targetingColumns(input.targeting),
    } as CampaignValues;
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
    const frozen = Object.fromEntries(
      FROZEN_FIELDS.map((field) => [field, current[FIELD_COLUMN[field]]]),
    ) as Record<FrozenField, number>;
    if (started && frozenFieldsChanged(frozen, patch).length > 0) throw forbidden();
    const changes: Partial<CampaignValues> = {
      ...columnsOf(patch),
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
