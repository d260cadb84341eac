import {
  DEVELOPMENT_HASH_SECRET,
  resolveThrottleConfig,
  type ThrottleConfig,
  type ThrottleOptions,
} from './config.ts';
import type { AdsThrottleErrorCode } from './errors.ts';
import { createHasher, type Hasher } from './hashing.ts';
import { canonicalizeIp, createIpResolver } from './ip.ts';
import { configuredValues, createThrottleManagement, type ThrottleManagement } from './management.ts';
import { createMemoryStore } from './memory.store.ts';
import {
  buildOverrideIndex,
  emptyOverrideIndex,
  matchOverride,
  type OverrideIndex,
} from './override-rules.ts';
import { createRedisStore, type RedisClientLike } from './redis.store.ts';
import { type Clock, storeKeys, systemClock, type ThrottleStore } from './store.ts';
import {
  type EventReason,
  findSettingsRow,
  listActiveOverrideRows,
  type QueryFn,
  recordEventRow,
  type SettingsRecord,
  type ThrottleValues,
} from './throttle.repo.ts';
import { resolveScope, resolveUserAgent, resolveViewerId, type ViewerInput } from './viewer.ts';

/** A pino-compatible logger; every method is optional to implement as a no-op. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** One failure, as passed to the `onFailure` hook (wire it to a metric). */
export interface ThrottleFailure {
  code: AdsThrottleErrorCode;
  error: unknown;
  /** Epoch ms from the injected clock. */
  at: number;
}

/** Dependencies and options of `createAdsThrottle`. */
export interface CreateAdsThrottleOptions {
  /** Configuration (usually `loadThrottleConfig()`); validated again here. `hashSecret` is required. */
  config: ThrottleOptions;
  /** SQL access for settings, overrides and events. Without it: static settings, no overrides, no events. */
  query?: QueryFn;
  /** Counter store; defaults to a Redis store when `redis` is given, else a memory store. */
  store?: ThrottleStore;
  /** An ioredis client (or anything with `eval`/`evalsha`); used when `store` is not given. */
  redis?: RedisClientLike;
  clock?: Clock;
  logger?: Logger;
  /** Called on every store, database or event-write failure; exceptions it throws are ignored. */
  onFailure?: (failure: ThrottleFailure) => void;
}

/** Why a decision came out as it did. */
export type DecisionReason =
  | 'no-viewer'
  | 'override-block'
  | 'override-show'
  | 'blocked'
  | 'threshold'
  | 'ok'
  | 'error';

/** A full decision; `shouldShowAds` returns only `show`. */
export interface AdsDecision {
  show: boolean;
  reason: DecisionReason;
  /** The resolved scope. */
  scope: string;
  /** Window count after this impression (`ok`, `threshold`). */
  count?: number;
  /** Impressions left in the window (`ok`). */
  remaining?: number;
  /** When ads may show again, for `Retry-After` (`blocked`, `threshold`, expiring `override-block`). */
  retryAfterSeconds?: number;
  /** The failure behind an `error` decision. */
  errorCode?: AdsThrottleErrorCode;
}

/** Options of one decision. */
export interface DecideOptions {
  /** Group impressions under this scope instead of the request path; `''` means the path. */
  scope?: string | null;
}

/** Counters for metrics; a snapshot is returned by `stats()`. */
export interface AdsThrottleStats {
  decisions: number;
  shown: number;
  hidden: number;
  reasons: Record<DecisionReason, number>;
  failures: { store: number; database: number; eventWrites: number };
  eventsRecorded: number;
  breakerOpen: boolean;
}

/** Effective throttle values and where they came from. */
export interface EffectiveSettings {
  values: ThrottleValues;
  source: 'database' | 'config';
}

/** What the throttle derives from a viewer: identity, IP and the keyed hashes. */
export interface ResolvedViewer {
  scope: string;
  /** `user:<id>`, `session:<key>` or `anonymous`; in memory only, never stored or logged. */
  viewerId: string;
  clientIp: string;
  userAgent: string;
  viewerHash: string;
  scopeHash: string;
  ipHash: string;
  viewerIdHash: string;
  userId: string;
}

/**
 * The throttle: the decision path (`decide` and what it reads), the management API of its settings,
 * overrides and events (`ThrottleManagement`, management.ts), and diagnostics, over one set of
 * dependencies.
 */
export interface AdsThrottle extends ThrottleManagement {
  /** The resolved configuration, without the hash secret. */
  readonly config: Readonly<Omit<ThrottleConfig, 'hashSecret'>>;
  readonly store: ThrottleStore;
  /** The full decision; never throws (failures give `onError`). */
  decide(viewer: ViewerInput | null | undefined, options?: DecideOptions): Promise<AdsDecision>;
  /** `true` when ads may be shown; never throws. No viewer → `true` without touching anything. */
  shouldShowAds(viewer: ViewerInput | null | undefined, options?: DecideOptions): Promise<boolean>;
  /** Identity, IP and hashes for a viewer, without counting. */
  resolveViewer(viewer: ViewerInput, options?: DecideOptions): ResolvedViewer;
  /** Window count and block state of a viewer, without counting. */
  inspectViewer(
    viewer: ViewerInput,
    options?: DecideOptions,
  ): Promise<{ count: number | null; blockedForMs: number | null }>;
  /** Keyed hash of a raw IP (canonicalised first), as stored in rules and events. */
  hashIp(rawIp: string): string;

  /** The values decisions use now (through the caches). */
  getEffectiveSettings(): Promise<EffectiveSettings>;
  stats(): AdsThrottleStats;
  /** Resolves when every pending event write has finished. */
  idle(): Promise<void>;
  /** Waits for pending writes. The Redis client and the database belong to the host and stay open. */
  close(): Promise<void>;
}

type FailureKind = 'store' | 'database';

class StageError extends Error {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, cause: unknown) {
    super(kind === 'store' ? 'counter store failed' : 'database failed', { cause });
    this.kind = kind;
  }
}

async function guard<T>(kind: FailureKind, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StageError(kind, error);
  }
}

interface SettingsCacheDict {
  view_repeat_window_seconds: number;
  view_repeat_threshold: number;
  block_seconds: number;
  event_record_seconds: number;
}

function toCacheDict(values: ThrottleValues): SettingsCacheDict {
  return {
    view_repeat_window_seconds: values.windowSeconds,
    view_repeat_threshold: values.threshold,
    block_seconds: values.blockSeconds,
    event_record_seconds: values.eventRecordSeconds,
  };
}

function fromCacheDict(raw: string): ThrottleValues | undefined {
  try {
    const dict = JSON.parse(raw) as Partial<SettingsCacheDict>;
    const values = {
      windowSeconds: Number(dict.view_repeat_window_seconds),
      threshold: Number(dict.view_repeat_threshold),
      blockSeconds: Number(dict.block_seconds),
      eventRecordSeconds: Number(dict.event_record_seconds),
    };
    return Object.values(values).every(Number.isFinite) ? values : undefined;
  } catch {
    return undefined;
  }
}

const NO_ROW = 'none';

/**
 * Creates the throttle. All state (caches, the override index, the circuit breaker) lives in the
 * returned object; create one per process and share it.
 *
 * @throws AdsThrottleError `ADS_THROTTLE_CONFIG_INVALID`
 */
export function createAdsThrottle(options: CreateAdsThrottleOptions): AdsThrottle {
  const config = resolveThrottleConfig(options.config);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const query = options.query;
  const store =
    options.store ??
    (options.redis ? createRedisStore({ client: options.redis, clock }) : createMemoryStore({ clock }));
  const hasher: Hasher = createHasher(config.hashSecret);
  const keys = storeKeys(config.keyPrefix);
  const resolveIp = createIpResolver(config);
  const staticValues = configuredValues(config);
  const localCacheMs = config.localCacheSeconds * 1000;

  const counters: AdsThrottleStats = {
    decisions: 0,
    shown: 0,
    hidden: 0,
    reasons: {
      'no-viewer': 0,
      'override-block': 0,
      'override-show': 0,
      blocked: 0,
      threshold: 0,
      ok: 0,
      error: 0,
    },
    failures: { store: 0, database: 0, eventWrites: 0 },
    eventsRecorded: 0,
    breakerOpen: false,
  };

  let localSettings: { values: EffectiveSettings; at: number } | undefined;
  let overrides: { index: OverrideIndex; loadedAt: number } | undefined;
  let overridesLoading: Promise<OverrideIndex> | undefined;
  let knownVersion: string | undefined;
  let lastSyncAt = Number.NEGATIVE_INFINITY;
  let consecutiveFailures = 0;
  let breakerOpenUntil = Number.NEGATIVE_INFINITY;
  let lastFailureCode: AdsThrottleErrorCode = 'ADS_THROTTLE_STORE_UNAVAILABLE';
  const lastLoggedAt = new Map<AdsThrottleErrorCode, { at: number; suppressed: number }>();
  const pending = new Set<Promise<void>>();

  logger.info(
    { store: store.kind, database: query ? 'query' : 'none', ipMode: config.ipMode, onError: config.onError },
    'ads-throttle ready',
  );
  if (store.kind === 'memory') {
    logger.warn(
      { store: 'memory' },
      'ads-throttle counts per process; use the Redis store with more than one process',
    );
  }
  if (config.hashSecret === DEVELOPMENT_HASH_SECRET) {
    logger.warn({}, 'ads-throttle uses the built-in development hash secret; set ADS_THROTTLE_HASH_SECRET');
  }
  if (config.ipMode === 'trusted-proxy' && config.ipHeader !== '' && config.trustProxy === false) {
    logger.warn(
      { ipHeader: config.ipHeader },
      'ADS_THROTTLE_IP_HEADER is ignored until ADS_THROTTLE_TRUST_PROXY names the proxy that sets it',
    );
  }

  const report = (code: AdsThrottleErrorCode, error: unknown, now: number): void => {
    try {
      options.onFailure?.({ code, error, at: now });
    } catch {
      // A broken metrics hook must not turn into a failed decision.
    }
    const last = lastLoggedAt.get(code);
    if (last !== undefined && now - last.at < config.errorLogIntervalSeconds * 1000) {
      last.suppressed += 1;
      return;
    }
    lastLoggedAt.set(code, { at: now, suppressed: 0 });
    logger.error(
      { code, err: error, suppressedSinceLastLog: last?.suppressed ?? 0 },
      `ads-throttle: ${code}`,
    );
  };

  const resolveViewer = (viewer: ViewerInput, decideOptions?: DecideOptions): ResolvedViewer => {
    const scope = resolveScope(viewer, decideOptions?.scope);
    const viewerId = resolveViewerId(viewer, config.sessionCookieName);
    const clientIp =
      typeof viewer.ip === 'string' && viewer.ip !== ''
        ? config.ipMode === 'parity'
          ? viewer.ip
          : canonicalizeIp(viewer.ip)
        : resolveIp({ headers: viewer.headers, remoteAddress: viewer.remoteAddress });
    const userAgent = resolveUserAgent(viewer);
    return {
      scope,
      viewerId,
      clientIp,
      userAgent,
      viewerHash: hasher.fingerprint(viewerId, clientIp, userAgent),
      scopeHash: hasher.scope(scope),
      ipHash: hasher.ip(clientIp),
      viewerIdHash: hasher.viewerId(viewerId),
      userId: viewerId.startsWith('user:') ? viewerId.slice('user:'.length) : '',
    };
  };

  // Cross-process invalidation: admin writes bump a version counter in the shared store; each process
  // reads it at most once per localCacheSeconds and drops its override index and settings when it moved.
  const syncVersion = async (now: number): Promise<void> => {
    if (query === undefined || now - lastSyncAt < localCacheMs) return;
    lastSyncAt = now;
    const version = await guard('store', () => store.get(keys.overridesVersion));
    if (version !== knownVersion) {
      knownVersion = version;
      overrides = undefined;
      localSettings = undefined;
    }
  };

  const loadSettings = async (now: number): Promise<EffectiveSettings> => {
    if (localSettings !== undefined && now - localSettings.at < localCacheMs) return localSettings.values;
    let effective: EffectiveSettings;
    if (query === undefined) {
      effective = { values: staticValues, source: 'config' };
    } else {
      const cached = await guard('store', () => store.get(keys.settings));
      const fromCache = cached === undefined || cached === NO_ROW ? undefined : fromCacheDict(cached);
      if (cached === NO_ROW) {
        effective = { values: staticValues, source: 'config' };
      } else if (fromCache !== undefined) {
        effective = { values: fromCache, source: 'database' };
      } else {
        const row = await guard('database', () => findSettingsRow(query));
        effective =
          row === undefined
            ? { values: staticValues, source: 'config' }
            : { values: row, source: 'database' };
        const value = row === undefined ? NO_ROW : JSON.stringify(toCacheDict(row));
        await guard('store', () => store.set(keys.settings, value, config.settingsCacheSeconds));
      }
    }
    const values: EffectiveSettings = {
      source: effective.source,
      values: {
        windowSeconds: effective.values.windowSeconds,
        threshold: effective.values.threshold,
        blockSeconds: effective.values.blockSeconds,
        eventRecordSeconds: effective.values.eventRecordSeconds,
      },
    };
    localSettings = { values, at: now };
    return values;
  };

  const loadOverrides = async (now: number): Promise<OverrideIndex> => {
    if (query === undefined) return emptyOverrideIndex;
    if (overrides !== undefined && now - overrides.loadedAt < config.overrideCacheSeconds * 1000) {
      return overrides.index;
    }
    if (overridesLoading === undefined) {
      overridesLoading = guard('database', () => listActiveOverrideRows(query, new Date(now)))
        .then((rows) => {
          const index = buildOverrideIndex(rows);
          overrides = { index, loadedAt: now };
          return index;
        })
        .finally(() => {
          overridesLoading = undefined;
        });
    }
    return overridesLoading;
  };

  const recordEvent = (resolved: ResolvedViewer, reason: EventReason, eventRecordSeconds: number): void => {
    if (query === undefined) return;
    const gateKey = keys.eventGate(resolved.scopeHash, resolved.viewerHash, true);
    const at = clock.now();
    const write = (async () => {
      let gateTaken = false;
      try {
        if (!(await store.addOnce(gateKey, eventRecordSeconds))) return;
        gateTaken = eventRecordSeconds > 0;
        await recordEventRow(query, {
          scope: resolved.scope,
          scopeHash: resolved.scopeHash,
          viewerHash: resolved.viewerHash,
          ipAddressHash: resolved.ipHash,
          hashKeyId: hasher.keyId,
          reason,
          blocked: true,
          at: new Date(at),
        });
        counters.eventsRecorded += 1;
      } catch (error) {
        counters.failures.eventWrites += 1;
        report('ADS_THROTTLE_EVENT_WRITE_FAILED', error, clock.now());
        // Give the gate back so the next refusal retries instead of losing E seconds of events (W32).
        if (gateTaken) await store.delete(gateKey).catch(noop);
      }
    })();
    pending.add(write);
    void write.finally(() => pending.delete(write));
  };

  const finish = (decision: AdsDecision): AdsDecision => {
    counters.decisions += 1;
    counters.reasons[decision.reason] += 1;
    if (decision.show) counters.shown += 1;
    else counters.hidden += 1;
    return decision;
  };

  const failed = (scope: string, code: AdsThrottleErrorCode): AdsDecision =>
    finish({ show: config.onError === 'show', reason: 'error', scope, errorCode: code });

  const decide = async (
    viewer: ViewerInput | null | undefined,
    decideOptions?: DecideOptions,
  ): Promise<AdsDecision> => {
    if (viewer === undefined || viewer === null) {
      return finish({ show: true, reason: 'no-viewer', scope: decideOptions?.scope ?? '' });
    }
    const resolved = resolveViewer(viewer, decideOptions);
    const now = clock.now();
    if (now < breakerOpenUntil) return failed(resolved.scope, lastFailureCode);
    counters.breakerOpen = false;
    try {
      await syncVersion(now);
      const { values } = await loadSettings(now);
      const index = await loadOverrides(now);
      const override = matchOverride(
        index,
        {
          scope: resolved.scope,
          userId: resolved.userId,
          viewerIdHash: resolved.viewerIdHash,
          ipHash: resolved.ipHash,
        },
        now,
      );
      consecutiveFailures = 0;
      if (override.action === 'block') {
        recordEvent(resolved, 'override', values.eventRecordSeconds);
        const decision: AdsDecision = { show: false, reason: 'override-block', scope: resolved.scope };
        if (override.until)
          decision.retryAfterSeconds = Math.max(1, Math.ceil((override.until.getTime() - now) / 1000));
        return finish(decision);
      }
      if (override.action === 'show')
        return finish({ show: true, reason: 'override-show', scope: resolved.scope });

      const hit = await guard('store', () =>
        store.hit({
          countKey: keys.count(resolved.scopeHash, resolved.viewerHash),
          blockKey: keys.block(resolved.scopeHash, resolved.viewerHash),
          windowSeconds: values.windowSeconds,
          threshold: values.threshold,
          blockSeconds: values.blockSeconds,
          resetCountOnBlock: config.blockResetsWindow,
        }),
      );
      consecutiveFailures = 0;
      if (hit.allowed) {
        const decision: AdsDecision = { show: true, reason: 'ok', scope: resolved.scope };
        if (hit.count !== null) {
          decision.count = hit.count;
          decision.remaining = Math.max(0, values.threshold - hit.count);
        }
        return finish(decision);
      }
      recordEvent(resolved, 'threshold', values.eventRecordSeconds);
      const decision: AdsDecision = {
        show: false,
        reason: hit.reason === 'blocked' ? 'blocked' : 'threshold',
        scope: resolved.scope,
      };
      if (hit.count !== null) decision.count = hit.count;
      if (hit.retryAfterMs !== undefined)
        decision.retryAfterSeconds = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
      return finish(decision);
    } catch (error) {
      const kind: FailureKind = error instanceof StageError ? error.kind : 'store';
      const code: AdsThrottleErrorCode =
        kind === 'store' ? 'ADS_THROTTLE_STORE_UNAVAILABLE' : 'ADS_THROTTLE_DATABASE_UNAVAILABLE';
      counters.failures[kind] += 1;
      lastFailureCode = code;
      report(code, error instanceof StageError ? error.cause : error, now);
      consecutiveFailures += 1;
      if (config.breakerFailures > 0 && consecutiveFailures >= config.breakerFailures) {
        consecutiveFailures = 0;
        breakerOpenUntil = now + config.breakerOpenSeconds * 1000;
        counters.breakerOpen = true;
        logger.warn({ code, openSeconds: config.breakerOpenSeconds }, 'ads-throttle circuit breaker open');
      }
      return failed(resolved.scope, code);
    }
  };

  const invalidateOverrides = async (): Promise<void> => {
    overrides = undefined;
    localSettings = undefined;
    try {
      knownVersion = String(await store.incr(keys.overridesVersion));
    } catch (error) {
      // The write itself succeeded; other processes will pick it up within overrideCacheSeconds.
      report('ADS_THROTTLE_STORE_UNAVAILABLE', error, clock.now());
    }
  };

  const publishSettings = async (row: SettingsRecord | undefined): Promise<void> => {
    localSettings = undefined;
    try {
      const value = row === undefined ? NO_ROW : JSON.stringify(toCacheDict(row));
      await store.set(keys.settings, value, config.settingsCacheSeconds);
    } catch (error) {
      report('ADS_THROTTLE_STORE_UNAVAILABLE', error, clock.now());
    }
    await invalidateOverrides();
  };

  const management = createThrottleManagement({
    config,
    clock,
    query,
    hasher,
    caches: { publishSettings, invalidateOverrides },
  });

  const { hashSecret: _secret, ...publicConfig } = config;
  return {
    config: publicConfig,
    store,
    decide,
    async shouldShowAds(viewer, decideOptions) {
      return (await decide(viewer, decideOptions)).show;
    },
    resolveViewer,
    async inspectViewer(viewer, decideOptions) {
      const resolved = resolveViewer(viewer, decideOptions);
      return store.inspect({
        countKey: keys.count(resolved.scopeHash, resolved.viewerHash),
        blockKey: keys.block(resolved.scopeHash, resolved.viewerHash),
      });
    },
    hashIp: (rawIp) => hasher.ip(rawIp),

    async getEffectiveSettings() {
      return loadSettings(clock.now());
    },
    ...management,

    stats() {
      return {
        ...counters,
        reasons: { ...counters.reasons },
        failures: { ...counters.failures },
        breakerOpen: clock.now() < breakerOpenUntil,
      };
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** Per-request memo: one decision per resolved scope, shared by every integration point (W16). */
export interface DecisionMemo {
  decide(scope?: string | null): Promise<AdsDecision>;
  shouldShowAds(scope?: string | null): Promise<boolean>;
}

/**
 * Memoises decisions for one request, keyed by the resolved scope: calling it twice for `/articles/`
 * counts one impression; `/a/` and `/b/` count one each.
 */
export function createDecisionMemo(throttle: Pick<AdsThrottle, 'decide'>, viewer: ViewerInput): DecisionMemo {
  const decisions = new Map<string, Promise<AdsDecision>>();
  const decideOnce = (scope?: string | null): Promise<AdsDecision> => {
    const key = resolveScope(viewer, scope);
    let decision = decisions.get(key);
    if (decision === undefined) {
      decision = throttle.decide(viewer, { scope: key });
      decisions.set(key, decision);
    }
    return decision;
  };
  return {
    decide: decideOnce,
    shouldShowAds: async (scope) => (await decideOnce(scope)).show,
  };
}
