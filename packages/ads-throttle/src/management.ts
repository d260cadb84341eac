import {
  type AdminActor,
  cleanOverrideInput,
  eventAdminPermissions,
  type OverrideInput,
  type OverrideView,
  toOverrideView,
} from './admin.ts';
import { findInvalidThrottleValues, type ThrottleConfig } from './config.ts';
import { AdsThrottleError } from './errors.ts';
import type { Hasher } from './hashing.ts';
import { isValidIp } from './ip.ts';
import type { Clock } from './store.ts';
import {
  deleteEventRow,
  deleteEventRowsBefore,
  deleteOverrideRow,
  deleteOverrideRowsForUser,
  deleteSettingsRow,
  type EventReason,
  type EventRecord,
  findOverrideRow,
  findSettingsRow,
  insertOverrideRow,
  insertSettingsRow,
  listEventRows,
  listOverrideRows,
  type OverrideAction,
  type OverrideRecord,
  type OverrideTarget,
  type Page,
  type QueryFn,
  type SettingsRecord,
  type ThrottleValues,
  updateOverrideRow,
  upsertSettingsRow,
} from './throttle.repo.ts';

/**
 * The management API of the throttle: its settings singleton, override rules and event log, as
 * the host's admin pages use them. Every change drops the decision path's caches through
 * `DecisionCaches`, so this process decides with it at once and the others within their cache
 * lifetimes (the overrides version in the store tells them).
 */

/** Filters of `listOverrides`. */
export interface OverrideListFilter {
  /** Substring search; a raw IP or a viewer id also finds rules by their hash. */
  search?: string;
  action?: OverrideAction;
  target?: OverrideTarget;
  scope?: string;
  status?: 'active' | 'expired';
  limit?: number;
  offset?: number;
}

/** Filters of `listEvents`. */
export interface EventListFilter {
  scope?: string;
  blocked?: boolean;
  reason?: EventReason;
  /** Substring search; a raw IP also finds events by its hash. */
  search?: string;
  since?: Date;
  until?: Date;
  limit?: number;
  offset?: number;
}

/** Settings, overrides and events of the throttle (the database tables), for admin pages. */
export interface ThrottleManagement {
  /** The settings row, or `undefined`. */
  findSettings(): Promise<SettingsRecord | undefined>;
  /** Creates the singleton, filling missing values from the configuration. @throws `ADS_THROTTLE_SETTINGS_EXISTS`, `ADS_THROTTLE_SETTINGS_INVALID` */
  createSettings(values: Partial<ThrottleValues>): Promise<SettingsRecord>;
  /** Updates (or creates) the singleton. @throws `ADS_THROTTLE_SETTINGS_INVALID` */
  updateSettings(values: Partial<ThrottleValues>): Promise<SettingsRecord>;
  /** Deletes the singleton so the configuration applies again; true when a row existed. */
  deleteSettings(): Promise<boolean>;

  /** @throws `ADS_THROTTLE_NOT_FOUND` */
  getOverride(id: string): Promise<OverrideView>;
  listOverrides(filter?: OverrideListFilter): Promise<Page<OverrideView>>;
  /** @throws validation codes, see `cleanOverrideInput` */
  createOverride(input: OverrideInput): Promise<OverrideView>;
  /** @throws `ADS_THROTTLE_NOT_FOUND` and validation codes */
  updateOverride(id: string, input: OverrideInput): Promise<OverrideView>;
  /** @throws `ADS_THROTTLE_NOT_FOUND` */
  deleteOverride(id: string): Promise<void>;
  /** Removes a host user's rules (call it when the user is deleted); returns how many. */
  deleteOverridesForUser(userId: string | number): Promise<number>;

  listEvents(filter?: EventListFilter): Promise<Page<EventRecord>>;
  /** @throws `ADS_THROTTLE_FORBIDDEN` unless the actor is a superuser; `ADS_THROTTLE_NOT_FOUND` */
  deleteEvent(id: string, actor: AdminActor): Promise<void>;
  /** Retention: deletes events last seen more than `eventRetentionDays` ago; returns how many. */
  deleteExpiredEvents(): Promise<number>;
}

/** What management needs of the decision path: dropping its caches after a change. */
export interface DecisionCaches {
  /** Writes the settings row (or its absence) to the shared store and drops the local copies. */
  publishSettings(row: SettingsRecord | undefined): Promise<void>;
  /** Bumps the overrides version in the store, so every process reloads its rules. */
  invalidateOverrides(): Promise<void>;
}

/** The values of the configuration, which apply while no settings row exists. */
export function configuredValues(config: ThrottleValues): ThrottleValues {
  return {
    windowSeconds: config.windowSeconds,
    threshold: config.threshold,
    blockSeconds: config.blockSeconds,
    eventRecordSeconds: config.eventRecordSeconds,
  };
}

export function createThrottleManagement(deps: {
  config: ThrottleConfig;
  clock: Clock;
  /** The host's database; without it every method throws `ADS_THROTTLE_NO_DATABASE`. */
  query: QueryFn | undefined;
  hasher: Hasher;
  caches: DecisionCaches;
}): ThrottleManagement {
  const { config, clock, hasher } = deps;
  const staticValues = configuredValues(config);
  const requireQuery = (): QueryFn => {
    if (deps.query === undefined) throw new AdsThrottleError('ADS_THROTTLE_NO_DATABASE');
    return deps.query;
  };

  const checkValues = (values: ThrottleValues): void => {
    const bad = findInvalidThrottleValues(values);
    const first = bad[0];
    if (first === undefined) return;
    const fieldErrors = Object.fromEntries(
      bad.map((b) => [
        b.field,
        { key: 'error.settingsInvalid' as const, params: { field: b.field, min: b.min } },
      ]),
    );
    throw new AdsThrottleError('ADS_THROTTLE_SETTINGS_INVALID', {
      params: { field: first.field, min: first.min },
      fieldErrors,
    });
  };

  const pick = (values: Partial<ThrottleValues>, fallback: ThrottleValues): ThrottleValues => ({
    windowSeconds: values.windowSeconds ?? fallback.windowSeconds,
    threshold: values.threshold ?? fallback.threshold,
    blockSeconds: values.blockSeconds ?? fallback.blockSeconds,
    eventRecordSeconds: values.eventRecordSeconds ?? fallback.eventRecordSeconds,
  });

  const view = (rule: OverrideRecord): OverrideView => toOverrideView(rule, clock.now(), hasher.keyId);

  const searchHashes = (term: string | undefined): string[] => {
    const trimmed = term?.trim() ?? '';
    if (trimmed === '') return [];
    const hashes: string[] = [];
    if (isValidIp(trimmed)) hashes.push(hasher.ip(trimmed));
    if (/^(user|session):\S+$/.test(trimmed)) hashes.push(hasher.viewerId(trimmed));
    return hashes;
  };

  const pageSize = (limit: number | undefined): number => Math.min(Math.max(1, Math.trunc(limit ?? 50)), 500);

  return {
    async findSettings() {
      return findSettingsRow(requireQuery());
    },
    async createSettings(values) {
      const q = requireQuery();
      const complete = pick(values, staticValues);
      checkValues(complete);
      const row = await insertSettingsRow(q, complete, new Date(clock.now()));
      if (row === undefined) throw new AdsThrottleError('ADS_THROTTLE_SETTINGS_EXISTS');
      await deps.caches.publishSettings(row);
      return row;
    },
    async updateSettings(values) {
      const q = requireQuery();
      const current = await findSettingsRow(q);
      const complete = pick(values, current ?? staticValues);
      checkValues(complete);
      const row = await upsertSettingsRow(q, complete, new Date(clock.now()));
      await deps.caches.publishSettings(row);
      return row;
    },
    async deleteSettings() {
      const existed = await deleteSettingsRow(requireQuery());
      await deps.caches.publishSettings(undefined);
      return existed;
    },

    async getOverride(id) {
      const rule = await findOverrideRow(requireQuery(), id);
      if (rule === undefined) throw new AdsThrottleError('ADS_THROTTLE_NOT_FOUND', { details: { id } });
      return view(rule);
    },
    async listOverrides(filter = {}) {
      const page = await listOverrideRows(requireQuery(), {
        search: filter.search,
        searchHashes: searchHashes(filter.search),
        action: filter.action,
        target: filter.target,
        scope: filter.scope,
        status: filter.status,
        now: new Date(clock.now()),
        limit: pageSize(filter.limit),
        offset: Math.max(0, Math.trunc(filter.offset ?? 0)),
      });
      return { items: page.items.map(view), total: page.total };
    },
    async createOverride(input) {
      const q = requireQuery();
      const row = cleanOverrideInput(input, undefined, hasher);
      const created = await insertOverrideRow(q, row, new Date(clock.now()));
      await deps.caches.invalidateOverrides();
      return view(created);
    },
    async updateOverride(id, input) {
      const q = requireQuery();
      const existing = await findOverrideRow(q, id);
      if (existing === undefined) throw new AdsThrottleError('ADS_THROTTLE_NOT_FOUND', { details: { id } });
      const row = cleanOverrideInput(input, existing, hasher);
      const updated = await updateOverrideRow(q, id, row, new Date(clock.now()));
      if (updated === undefined) throw new AdsThrottleError('ADS_THROTTLE_NOT_FOUND', { details: { id } });
      await deps.caches.invalidateOverrides();
      return view(updated);
    },
    async deleteOverride(id) {
      const existed = await deleteOverrideRow(requireQuery(), id);
      if (!existed) throw new AdsThrottleError('ADS_THROTTLE_NOT_FOUND', { details: { id } });
      await deps.caches.invalidateOverrides();
    },
    async deleteOverridesForUser(userId) {
      const count = await deleteOverrideRowsForUser(requireQuery(), String(userId));
      if (count > 0) await deps.caches.invalidateOverrides();
      return count;
    },

    async listEvents(filter = {}) {
      const search = filter.search?.trim();
      return listEventRows(requireQuery(), {
        scope: filter.scope,
        blocked: filter.blocked,
        reason: filter.reason,
        search,
        searchHashes: search !== undefined && isValidIp(search) ? [hasher.ip(search)] : [],
        since: filter.since,
        until: filter.until,
        limit: pageSize(filter.limit),
        offset: Math.max(0, Math.trunc(filter.offset ?? 0)),
      });
    },
    async deleteEvent(id, actor) {
      if (!eventAdminPermissions(actor).delete) throw new AdsThrottleError('ADS_THROTTLE_FORBIDDEN');
      const existed = await deleteEventRow(requireQuery(), id);
      if (!existed) throw new AdsThrottleError('ADS_THROTTLE_NOT_FOUND', { details: { id } });
    },
    async deleteExpiredEvents() {
      const q = requireQuery();
      if (config.eventRetentionDays === 0) return 0;
      return deleteEventRowsBefore(q, new Date(clock.now() - config.eventRetentionDays * 86_400_000));
    },
  };
}
