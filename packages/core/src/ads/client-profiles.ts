import { LRUCache } from 'lru-cache';
import type { Deps } from '../deps.ts';
import {
  loadActiveClientIds,
  loadClientProfiles,
  loadClientProfilesById,
  type StoredProfileRow,
} from './catalog.repo.ts';

/** What ranking reads about a client: targeting attributes and ML scores, at a profile version. */
export type ClientProfile = {
  age: number;
  gender: 'MALE' | 'FEMALE';
  location: string;
  /** advertiser id → score (absent: 0) */
  scores: ReadonlyMap<string, number>;
  /** `clients.profile_version`: triggers bump it when any of the above changes. */
  version: number;
  /**
   * Campaigns the client has seen and clicked, as far as this process knows: read with the
   * profile, then followed from this process's own answers. Only ever grows, like the tables;
   * the serving statement compares the counts and sends the full lists when they differ.
   */
  seen: ReadonlySet<string>;
  clicked: ReadonlySet<string>;
};

/**
 * Advertiser ids, one string per id across all cached profiles: the same ids recur in every
 * profile, and a `Map` of shared keys takes about half the memory of a parsed JSON object
 * (100k profiles of 10 scores: ~50 MB instead of ~95 MB).
 */
const advertiserIds = new Map<string, string>();
const MAX_SHARED_IDS = 100_000;

/** A profile's scores as read from the database (`json_object_agg`), as a compact map. */
export function scoreMap(scores: Record<string, number>): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  for (const id in scores) {
    let shared = advertiserIds.get(id);
    if (shared === undefined) {
      shared = id;
      if (advertiserIds.size < MAX_SHARED_IDS) advertiserIds.set(id, id);
    }
    map.set(shared, scores[id] as number);
  }
  return map;
}

const NONE: ReadonlySet<string> = new Set();

/** `ids` with `id` added: in place, except the shared empty set, which is never written. */
function withCampaign(ids: ReadonlySet<string>, id: string): ReadonlySet<string> {
  if (ids === NONE) return new Set([id]);
  (ids as Set<string>).add(id);
  return ids;
}

/** A client's seen or clicked campaigns; one shared empty set for the many with none. */
export function campaignSet(ids: readonly string[]): ReadonlySet<string> {
  return ids.length === 0 ? NONE : new Set(ids);
}

/** A profile as the database returns it (`findClientProfile`, the warming queries). */
export function toClientProfile(
  row: Pick<
    StoredProfileRow,
    'age' | 'gender' | 'location' | 'scores' | 'profile_version' | 'seen' | 'clicked'
  >,
): ClientProfile {
  return {
    age: row.age,
    gender: row.gender,
    location: row.location,
    scores: scoreMap(row.scores),
    version: Number(row.profile_version),
    seen: campaignSet(row.seen),
    clicked: campaignSet(row.clicked),
  };
}

/** The database's word on what a process ranks with: today's day, catalog and plan versions. */
export type ServingView = { day: number; catalogVersion: number; planVersion: number };

/**
 * Client profiles kept in process, least recently used out first (issue 14). A profile is only a
 * ranking input: the serving statement compares its version with the database's and refuses to
 * act on an outdated one, so a cached profile never decides anything the database would not.
 * Also holds the last `ServingView` the database reported, which each answer refreshes.
 */
export type ClientProfiles = {
  get(clientId: string): ClientProfile | undefined;
  set(clientId: string, profile: ClientProfile): void;
  delete(clientId: string): void;
  /** The client has seen / clicked the campaign (a no-op when the client is not cached). */
  noteSeen(clientId: string, campaignId: string): void;
  noteClicked(clientId: string, campaignId: string): void;
  /** Replaces what the process knows the client has seen and clicked. */
  resync(clientId: string, seen: readonly string[], clicked: readonly string[]): void;
  /** The day and versions of the database's latest answer to this process; undefined before one. */
  view(): ServingView | undefined;
  noteView(view: ServingView): void;
  size(): number;
};

/** @param max how many profiles to keep; 0 keeps none (every request reads its client first). */
export function createClientProfiles(max: number): ClientProfiles {
  const cache = max > 0 ? new LRUCache<string, ClientProfile>({ max }) : undefined;
  let view: ServingView | undefined;
  return {
    get: (clientId) => cache?.get(clientId),
    set(clientId, profile) {
      cache?.set(clientId, profile);
    },
    delete(clientId) {
      cache?.delete(clientId);
    },
    noteSeen(clientId, campaignId) {
      const profile = cache?.get(clientId);
      if (profile) profile.seen = withCampaign(profile.seen, campaignId);
    },
    noteClicked(clientId, campaignId) {
      const profile = cache?.get(clientId);
      if (profile) profile.clicked = withCampaign(profile.clicked, campaignId);
    },
    resync(clientId, seen, clicked) {
      const profile = cache?.get(clientId);
      if (!profile) return;
      profile.seen = campaignSet(seen);
      profile.clicked = campaignSet(clicked);
    },
    view: () => view,
    noteView(next) {
      view = next;
    },
    size: () => cache?.size ?? 0,
  };
}

/**
 * Fills the profile cache at start, so the first request of each known client is already served
 * in one round trip (issue 14): the clients most active in the last week first, then every other
 * client in id order, until the cache is full. Small batches, so the embedded database's single
 * connection is never held long; logs its progress. Profiles already cached are left alone.
 */
export async function warmClientProfiles(
  deps: Pick<Deps, 'db' | 'database' | 'profiles' | 'config' | 'log'>,
  today: number,
  signal?: AbortSignal,
): Promise<number> {
  const max = deps.config.ads.clientCacheSize;
  const batch = deps.database.kind === 'postgres' ? 2000 : 200;
  const started = performance.now();
  let loaded = 0;
  let nextReport = 0.1;
  const take = (rows: StoredProfileRow[]) => {
    for (const row of rows) {
      if (deps.profiles.size() >= max) return;
      if (deps.profiles.get(row.id)) continue;
      deps.profiles.set(row.id, toClientProfile(row));
      loaded++;
    }
    if (loaded >= nextReport * max) {
      deps.log.info({ loaded, max }, `client profiles warmed: ${loaded} of at most ${max}`);
      while (loaded >= nextReport * max) nextReport += 0.1;
    }
  };
  if (max === 0) return 0;
  const active = await loadActiveClientIds(deps.db, today - 7, max);
  for (let i = 0; i < active.length && !signal?.aborted; i += batch)
    take(await loadClientProfilesById(deps.db, active.slice(i, i + batch)));
  let after: string | null = null;
  while (deps.profiles.size() < max && !signal?.aborted) {
    const rows = await loadClientProfiles(deps.db, after, batch);
    if (rows.length === 0) break;
    take(rows);
    after = rows[rows.length - 1]?.id ?? null;
  }
  deps.log.info(
    { loaded, cached: deps.profiles.size(), ms: Math.round(performance.now() - started) },
    `client profiles warmed: ${loaded} loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return loaded;
}
