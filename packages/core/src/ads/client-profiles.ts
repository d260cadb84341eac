import { LRUCache } from 'lru-cache';

/** What ranking reads about a client: targeting attributes and ML scores, at a profile version. */
export type ClientProfile = {
  age: number;
  gender: 'MALE' | 'FEMALE';
  location: string;
  /** advertiser id → score */
  scores: Record<string, number>;
  /** `clients.profile_version`: triggers bump it when any of the above changes. */
  version: number;
};

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
    view: () => view,
    noteView(next) {
      view = next;
    },
    size: () => cache?.size ?? 0,
  };
}
