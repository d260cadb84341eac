import {
  type CampaignListRecord,
  campaignList,
  findCampaignOwner,
  listCampaignTitles,
} from '../campaigns/campaigns.admin.repo.ts';
import { findCampaignRow } from '../campaigns/campaigns.repo.ts';
import type { Campaign } from '../campaigns/campaigns.schema.ts';
import { toCampaign } from '../campaigns/campaigns.ts';
import { getCurrentDay } from '../clock/clock.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { normalizeId } from '../shared/schema.ts';
import { isUuid, type ListPage, type ListParams, listPage, mapRows } from './list-query.ts';
import {
  type AdvertiserRecord,
  advertiserList,
  type ClientRecord,
  clientList,
  type EventRecord,
  eventList,
  findAdvertiserRecord,
  findClientRecord,
  findEventRecord,
  findMlScoreRecord,
  type MlScoreRecord,
  mlScoreList,
} from './records.repo.ts';

export type { AdvertiserRecord, CampaignListRecord, ClientRecord, EventRecord, MlScoreRecord };

type DbDeps = Pick<Deps, 'db'>;

/** A path id that is not a UUID names nothing: 404, as for any unknown record. */
function uuidOrNotFound(id: string): string {
  if (!isUuid(id)) throw notFound();
  return normalizeId(id);
}

const numbers = <T extends Record<string, unknown>>(row: T, keys: (keyof T)[]): T => {
  const out = { ...row };
  for (const key of keys) out[key] = Number(row[key]) as T[keyof T];
  return out;
};

export async function listClientRecords(deps: DbDeps, params: ListParams): Promise<ListPage<ClientRecord>> {
  return listPage<ClientRecord>(deps.db, clientList, params);
}

/** @throws AppError NOT_FOUND */
export async function getClientRecord(deps: DbDeps, id: string): Promise<ClientRecord> {
  const row = await findClientRecord(deps.db, uuidOrNotFound(id));
  if (!row) throw notFound();
  return row;
}

export async function listAdvertiserRecords(
  deps: DbDeps,
  params: ListParams,
): Promise<ListPage<AdvertiserRecord>> {
  const page = await listPage<AdvertiserRecord>(deps.db, advertiserList, params);
  return mapRows(page, (r) => numbers(r, ['campaigns']));
}

/** @throws AppError NOT_FOUND */
export async function getAdvertiserRecord(deps: DbDeps, id: string): Promise<AdvertiserRecord> {
  const row = await findAdvertiserRecord(deps.db, uuidOrNotFound(id));
  if (!row) throw notFound();
  return row;
}

export async function listMlScoreRecords(deps: DbDeps, params: ListParams): Promise<ListPage<MlScoreRecord>> {
  return listPage<MlScoreRecord>(deps.db, mlScoreList, params);
}

/** @throws AppError NOT_FOUND */
export async function getMlScoreRecord(
  deps: DbDeps,
  clientId: string,
  advertiserId: string,
): Promise<MlScoreRecord> {
  const row = await findMlScoreRecord(deps.db, uuidOrNotFound(clientId), uuidOrNotFound(advertiserId));
  if (!row) throw notFound();
  return row;
}

export async function listCampaignRecords(
  deps: DbDeps,
  params: ListParams,
): Promise<ListPage<CampaignListRecord>> {
  const page = await listPage<CampaignListRecord>(deps.db, campaignList, params);
  return mapRows(page, (r) =>
    numbers(r, ['impressionsLimit', 'clicksLimit', 'impressionsCount', 'clicksCount']),
  );
}

/** A campaign as its change page needs it: the API's object plus its owner, counters and state. */
export type CampaignRecord = {
  campaign: Campaign;
  advertiserName: string;
  impressionsCount: number;
  clicksCount: number;
  /** `start_date <= current_date`: the frozen fields can no longer change (spec §4.4). */
  started: boolean;
  currentDay: number;
  /** Storage key of the image, for the preview. */
  imageUrl: string | null;
};

/** @throws AppError NOT_FOUND */
export async function getCampaignRecord(
  deps: Pick<Deps, 'db' | 'config'>,
  id: string,
): Promise<CampaignRecord> {
  const campaignId = uuidOrNotFound(id);
  const owner = await findCampaignOwner(deps.db, campaignId);
  if (!owner) throw notFound();
  const row = await findCampaignRow(deps.db, owner.advertiserId, campaignId);
  if (!row) throw notFound();
  const currentDay = await getCurrentDay(deps.db);
  const campaign = toCampaign(row, deps.config);
  return {
    campaign,
    advertiserName: owner.advertiserName,
    impressionsCount: owner.impressionsCount,
    clicksCount: owner.clicksCount,
    started: row.startDate <= currentDay,
    currentDay,
    imageUrl: campaign.ad_image,
  };
}

const toEventRecord = (row: EventRecord): EventRecord => ({
  ...numbers(row, ['id', 'date']),
  createdAt: new Date(row.createdAt),
});

export async function listEventRecords(
  deps: DbDeps,
  table: 'impressions' | 'clicks',
  params: ListParams,
): Promise<ListPage<EventRecord>> {
  const page = await listPage<EventRecord>(deps.db, eventList(table), params);
  return mapRows(page, toEventRecord);
}

/** @throws AppError NOT_FOUND */
export async function getEventRecord(
  deps: DbDeps,
  table: 'impressions' | 'clicks',
  id: string,
): Promise<EventRecord> {
  if (!/^\d{1,15}$/.test(id)) throw notFound();
  const row = await findEventRecord(deps.db, table, Number(id));
  if (!row) throw notFound();
  return toEventRecord(row);
}

/** Most campaigns the statistics page's picker lists (the newest, plus the one asked for). */
export const PICKER_CAMPAIGNS = 100;

/**
 * The advertiser's newest `PICKER_CAMPAIGNS` campaigns for the statistics page's picker, newest
 * first, plus `wanted` (an id from the query string) when it is one of theirs.
 * @throws AppError NOT_FOUND
 */
export async function listAdvertiserCampaignTitles(
  deps: DbDeps,
  advertiserId: string,
  wanted?: string,
): Promise<{ id: string; adTitle: string; startDate: number; endDate: number }[]> {
  const include = wanted !== undefined && isUuid(wanted) ? normalizeId(wanted) : undefined;
  return listCampaignTitles(deps.db, uuidOrNotFound(advertiserId), PICKER_CAMPAIGNS, include);
}
