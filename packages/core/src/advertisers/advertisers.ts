import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { bulkUpsert } from '../shared/bulk.ts';
import { normalizeId } from '../shared/schema.ts';
import { discardObject } from '../storage/storage.ts';
import { deleteAdvertiserRow, findAdvertiserRow, upsertAdvertiserRows } from './advertisers.repo.ts';
import type { Advertiser } from './advertisers.schema.ts';

/** Creates or replaces advertisers all-or-nothing (spec §3.3, §4.1). */
export function upsertAdvertisers(
  deps: Pick<Deps, 'db'>,
  input: readonly Advertiser[],
): Promise<Advertiser[]> {
  return bulkUpsert(deps.db, input, 'advertiser_id', upsertAdvertiserRows);
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
