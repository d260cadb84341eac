import { CAMPAIGN_FIELDS, SERVED_FIELDS, type ServedField } from '../campaigns/campaign-rules.ts';
import { type CatalogRow, loadCatalogRows, loadCounterRows } from '../campaigns/campaigns.repo.ts';
import type { Campaign } from '../campaigns/campaigns.schema.ts';
import type { Db } from '../db/database.ts';

/** The campaign's fields an ad shows (`served` in campaign-rules.ts), as the API names them. */
export type ServedContent = Pick<Campaign, ServedField>;

/** One campaign active on the catalog's day, with the fields selection needs. */
export type CatalogEntry = {
  id: string;
  advertiserId: string;
  seq: number;
  /** What `GET /ads` answers of the campaign's own fields. */
  ad: ServedContent;
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
   * The campaign's impression and click counts, as a ranking input only (the caps are enforced by
   * the atomic record function). Exact for this process's own events, which it counts as it
   * records them; other processes' events arrive with the periodic refresh.
   */
  impressions: number;
  clicks: number;
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
  /** No new impression possible any more; `clicksCapped`: its clicks cap is reached too. */
  markFull(id: string, clicksCapped?: boolean): void;
  /** This process recorded an impression / a click of the campaign. */
  noteImpression(id: string): void;
  noteClick(id: string): void;
  /**
   * Re-reads every running campaign's counters from the database every `COUNTER_REFRESH_EVERY`
   * calls (one re-read at a time).
   */
  syncCounters(db: Db): Promise<void>;
};

/**
 * How many selections a process makes between re-reads of the counters: the only staleness is in
 * other processes' events (a single process is always exact), and one small query per this many
 * requests keeps the hot path to the client snapshot and the record call.
 */
export const COUNTER_REFRESH_EVERY = 100;

/** Raw rows carry PostgreSQL's text for bigint and numeric columns: numbers as the API has them. */
function servedContent(row: CatalogRow): ServedContent {
  const content: Record<string, unknown> = {};
  for (const field of SERVED_FIELDS) {
    const value = row[field];
    const numeric = CAMPAIGN_FIELDS[field].kind !== 'text';
    content[field] = numeric && value !== null ? Number(value) : value;
  }
  return content as ServedContent;
}

function toEntry(row: CatalogRow): CatalogEntry {
  return {
    id: row.id,
    advertiserId: row.advertiser_id,
    seq: Number(row.seq),
    ad: servedContent(row),
    adImageKey: row.ad_image_key,
    costPerImpression: Number(row.cost_per_impression),
    costPerClick: Number(row.cost_per_click),
    targetGender: row.target_gender,
    targetAgeFrom: row.target_age_from,
    targetAgeTo: row.target_age_to,
    targetLocation: row.target_location,
    impressionsLimit: Number(row.impressions_limit),
    clicksLimit: Number(row.clicks_limit),
    impressions: Number(row.impressions_count),
    clicks: Number(row.clicks_count),
    full: row.full,
  };
}

/** @param overshoot the tolerated fraction over impressions_limit (config `ads.impressionsOvershoot`). */
export function createCampaignCatalog({ overshoot }: { overshoot: number }): CampaignCatalog {
  let current:
    | { version: number; day: number; entries: CatalogEntry[]; byId: Map<string, CatalogEntry> }
    | undefined;
  let syncCalls = 1;
  let syncing = false;
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
    markFull(id, clicksCapped = false) {
      const entry = current?.byId.get(id);
      if (!entry) return;
      entry.full = true;
      if (clicksCapped) entry.clicks = Math.max(entry.clicks, entry.clicksLimit);
    },
    noteImpression(id) {
      const entry = current?.byId.get(id);
      if (entry) entry.impressions += 1;
    },
    noteClick(id) {
      const entry = current?.byId.get(id);
      if (entry) entry.clicks += 1;
    },
    async syncCounters(db) {
      if (syncCalls++ % COUNTER_REFRESH_EVERY !== 0 || !current || syncing) return;
      const snapshot = current;
      syncing = true;
      try {
        for (const row of await loadCounterRows(db, snapshot.day)) {
          const entry = snapshot.byId.get(row.id);
          if (entry) {
            entry.impressions = Number(row.impressions_count);
            entry.clicks = Number(row.clicks_count);
          }
        }
      } finally {
        syncing = false;
      }
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

/** Per catalog snapshot (its entries array): targeting key → the entries that match it. */
const matchingByTargeting = new WeakMap<readonly CatalogEntry[], Map<string, readonly CatalogEntry[]>>();
/** Distinct (gender, age, location) keys remembered per snapshot before starting over. */
const MAX_TARGETING_KEYS = 20_000;

/**
 * The entries whose targeting matches the client, remembered per catalog snapshot and targeting
 * key (gender, age, location): every client alike shares one list, so a request ranks only what
 * can be shown to it instead of testing every running campaign. Entries are shared, so their
 * counters and `full` flag stay live.
 */
export function matchingEntries(
  entries: readonly CatalogEntry[],
  client: { age: number; gender: string; location: string },
): readonly CatalogEntry[] {
  let lists = matchingByTargeting.get(entries);
  if (!lists) {
    lists = new Map();
    matchingByTargeting.set(entries, lists);
  }
  const key = `${client.gender}\u0000${client.age}\u0000${client.location}`;
  let list = lists.get(key);
  if (!list) {
    if (lists.size >= MAX_TARGETING_KEYS) lists.clear();
    list = entries.filter((entry) => matchesTargeting(entry, client));
    lists.set(key, list);
  }
  return list;
}
