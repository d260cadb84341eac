import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { bulkUpsert } from '../shared/bulk.ts';
import { normalizeId } from '../shared/schema.ts';
import { discardObject } from '../storage/storage.ts';
import {
  deleteAdvertiserRow,
  findAdvertiserRow,
  insertAdvertiserRow,
  upsertAdvertiserRows,
} from './advertisers.repo.ts';
import type { Advertiser } from './advertisers.schema.ts';

/** Creates or replaces advertisers all-or-nothing (spec §3.3, §4.1). */
export function upsertAdvertisers(
  deps: Pick<Deps, 'db'>,
  input: readonly Advertiser[],
): Promise<Advertiser[]> {
  return bulkUpsert(deps.db, input, 'advertiser_id', upsertAdvertiserRows);
}

/**
 * Creates one advertiser whose id must be new (the admin panel's "add"; the API's bulk upsert
 * replaces instead). One statement, so two concurrent creates of one id cannot both succeed.
 * @throws AppError CONFLICT when the id is taken.
 */
export async function createAdvertiser(deps: Pick<Deps, 'db'>, input: Advertiser): Promise<Advertiser> {
  const advertiser = { advertiser_id: normalizeId(input.advertiser_id), name: input.name };
  if (!(await insertAdvertiserRow(deps.db, advertiser)))
    throw new AppError('CONFLICT', 'An advertiser with this id already exists.');
  return advertiser;
}

/**
 * Deletes an advertiser (admin only, spec §8 #36) with its ML scores and campaigns, then the
 * campaigns' stored images (once no row points at them, like `deleteCampaign`).
 * @throws AppError NOT_FOUND when the advertiser does not exist.
 */
export async function deleteAdvertiser(
  deps: Pick<Deps, 'db' | 'storage' | 'log'>,
  advertiserId: string,
): Promise<void> {
  const keys = await deleteAdvertiserRow(deps.db, normalizeId(advertiserId));
  if (!keys) throw notFound();
  for (const key of keys) await discardObject(deps, key, 'advertiser deleted');
}

/** @throws AppError NOT_FOUND when the advertiser does not exist. */
export async function getAdvertiser(deps: Pick<Deps, 'db'>, advertiserId: string): Promise<Advertiser> {
  const advertiser = await findAdvertiserRow(deps.db, normalizeId(advertiserId));
  if (!advertiser) throw notFound();
  return advertiser;
}
