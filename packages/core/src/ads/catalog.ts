import type { Db } from '../db/database.ts';
import { type CatalogRow, loadCatalogRows } from './catalog.repo.ts';

/** One campaign active on the catalog's day, with the fields selection needs. */
export type CatalogEntry = {
  id: string;
  advertiserId: string;
  seq: number;
  adTitle: string;
  adText: string;
  adImageKey: string | null;
  costPerImpression: number;
  costPerClick: number;
  targetGender: 'MALE' | 'FEMALE' | 'ALL' | null;
  targetAgeFrom: number | null;
  targetAgeTo: number | null;
  targetLocation: string | null;
  impressionsLimit: number;
  clicksLimit: number;
  /**
   * No new impression possible any more (impressions cap or clicks cap reached). Both caps only
   * ever close while a campaign runs (limits are frozen after start), so once learned it stays
   * true until the next reload.
   */
  full: boolean;
};

/**
 * The campaigns active today, cached in process. The database keeps a catalog version that
 * triggers bump on every campaign insert, delete or edit of a served field; each request reads
 * it together with the client, so a process never serves from a stale catalog, whichever process
 * made the change. Counters are not part of the version: caps are enforced by the atomic record
 * function, and entries learn they are full from its answers.
 */
export type CampaignCatalog = {
  /** The entries for `day` at catalog `version`, reloading when either changed. */
  get(db: Db, version: number, day: number): Promise<readonly CatalogEntry[]>;
  markFull(id: string): void;
};

function toEntry(row: CatalogRow): CatalogEntry {
  return {
    id: row.id,
    advertiserId: row.advertiser_id,
    seq: Number(row.seq),
    adTitle: row.ad_title,
    adText: row.ad_text,
    adImageKey: row.ad_image_key,
    costPerImpression: Number(row.cost_per_impression),
    costPerClick: Number(row.cost_per_click),
    targetGender: row.target_gender,
    targetAgeFrom: row.target_age_from,
    targetAgeTo: row.target_age_to,
    targetLocation: row.target_location,
    impressionsLimit: Number(row.impressions_limit),
    clicksLimit: Number(row.clicks_limit),
    full: row.full,
  };
}

/** @param overshoot the tolerated fraction over impressions_limit (config `ads.impressionsOvershoot`). */
export function createCampaignCatalog({ overshoot }: { overshoot: number }): CampaignCatalog {
  let current:
    | { version: number; day: number; entries: CatalogEntry[]; byId: Map<string, CatalogEntry> }
    | undefined;
  // Concurrent requests that notice the same change share one reload.
  let loading: { key: string; promise: Promise<readonly CatalogEntry[]> } | undefined;

  return {
    async get(db, version, day) {
      if (current && current.version === version && current.day === day) return current.entries;
      const key = `${version}:${day}`;
      if (loading?.key === key) return loading.promise;
      const promise = loadCatalogRows(db, day, overshoot).then((rows) => {
        const entries = rows.map(toEntry);
        // A slower, older load must not replace a newer catalog.
        if (!current || current.version < version || (current.version === version && current.day !== day)) {
          current = { version, day, entries, byId: new Map(entries.map((e) => [e.id, e])) };
        }
        return entries;
      });
      loading = { key, promise };
      try {
        return await promise;
      } finally {
        if (loading?.key === key) loading = undefined;
      }
    },
    markFull(id) {
      const entry = current?.byId.get(id);
      if (entry) entry.full = true;
    },
  };
}

/** Targeting of spec §4.2: null and ALL match everybody; bounds inclusive; location exact. */
export function matchesTargeting(
  entry: Pick<CatalogEntry, 'targetGender' | 'targetAgeFrom' | 'targetAgeTo' | 'targetLocation'>,
  client: { age: number; gender: string; location: string },
): boolean {
  return (
    (entry.targetGender === null || entry.targetGender === 'ALL' || entry.targetGender === client.gender) &&
    (entry.targetAgeFrom === null || entry.targetAgeFrom <= client.age) &&
    (entry.targetAgeTo === null || client.age <= entry.targetAgeTo) &&
    (entry.targetLocation === null || entry.targetLocation === client.location)
  );
}
