import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { AdsThrottleError } from './errors.ts';

/** How the client IP is found (behaviour §4.3). */
export type IpMode = 'trusted-proxy' | 'parity';

/**
 * Which socket peers may set forwarding headers: `false` none (default), `true` every peer, a number the
 * count of proxy hops in front of the app, or a list of addresses, CIDR ranges and the keywords
 * `loopback`, `linklocal`, `uniquelocal`.
 */
export type TrustProxy = boolean | number | readonly string[];

/** What a decision returns when the store or the database fails. */
export type OnErrorBehaviour = 'show' | 'hide';

/** The fully resolved configuration. Durations are whole seconds. */
export interface ThrottleConfig {
  /** W, `ADS_VIEW_REPEAT_WINDOW_SECONDS`: the fixed counting window, anchored at the first impression. */
  windowSeconds: number;
  /** T, `ADS_VIEW_REPEAT_THRESHOLD`: impressions allowed per window; the (T+1)-th is refused. */
  threshold: number;
  /** B, `ADS_BLOCK_SECONDS`: how long ads stay hidden after the threshold is exceeded. */
  blockSeconds: number;
  /** E, `ADS_THROTTLE_EVENT_RECORD_SECONDS`: at most one event write per (scope, viewer) per E seconds. */
  eventRecordSeconds: number;
  /** `ADS_THROTTLE_SETTINGS_CACHE_SECONDS`: TTL of the shared settings cache entry. */
  settingsCacheSeconds: number;
  /** `ADS_THROTTLE_OVERRIDE_CACHE_SECONDS`: the in-process override index is reloaded at least this often. */
  overrideCacheSeconds: number;
  /** `ADS_THROTTLE_IP_HEADER`: header carrying the client IP, set by a trusted proxy. */
  ipHeader: string;
  /** `ADS_THROTTLE_IP_MODE`: `trusted-proxy` (default) or `parity` (the original's rules, trusting any client). */
  ipMode: IpMode;
  /** `ADS_THROTTLE_TRUST_PROXY`: which peers may set forwarding headers. */
  trustProxy: TrustProxy;
  /** `ADS_THROTTLE_HASH_SECRET`: HMAC key for IP, viewer and scope hashes; at least 32 bytes. */
  hashSecret: string;
  /** `ADS_THROTTLE_ON_ERROR`: decision when the store or database fails. */
  onError: OnErrorBehaviour;
  /** `ADS_THROTTLE_KEY_PREFIX`: prepended to every counter-store key; no `{` or `}` (see `storeKeys`). */
  keyPrefix: string;
  /** `ADS_THROTTLE_SESSION_COOKIE_NAME`: cookie read as the session key when the host gives none. */
  sessionCookieName: string;
  /**
   * `ADS_THROTTLE_BLOCK_RESETS_WINDOW`: clear the window counter when a block starts, so a block lasts
   * exactly B (default). `false` keeps the original's re-blocking until the window ends.
   */
  blockResetsWindow: boolean;
  /** `ADS_THROTTLE_EVENT_RETENTION_DAYS`: `deleteExpiredEvents` removes older events; 0 keeps them forever. */
  eventRetentionDays: number;
  /** `ADS_THROTTLE_LOCAL_CACHE_SECONDS`: in-process cache in front of the shared cache, and cross-process sync interval. */
  localCacheSeconds: number;
  /** `ADS_THROTTLE_ERROR_LOG_SECONDS`: one log line per error code per interval. */
  errorLogIntervalSeconds: number;
  /** Consecutive failures that open the circuit breaker (0 disables it). */
  breakerFailures: number;
  /** How long an open breaker skips the store and database. */
  breakerOpenSeconds: number;
}

/** Partial configuration accepted as options; unspecified values keep their defaults. */
export type ThrottleOptions = Partial<ThrottleConfig>;

/**
 * Used when `ADS_THROTTLE_HASH_SECRET` is unset outside production, so `npm start` works out of the box.
 * `createAdsThrottle` logs a warning when it is in use.
 */
export const DEVELOPMENT_HASH_SECRET = 'ads-throttle-development-secret-do-not-use-in-production';

/** Built-in defaults (behaviour §3); `hashSecret` has none and must be supplied. */
export const defaultThrottleConfig: Readonly<Omit<ThrottleConfig, 'hashSecret'>> = {
  windowSeconds: 600,
  threshold: 20,
  blockSeconds: 3600,
  eventRecordSeconds: 60,
  settingsCacheSeconds: 300,
  overrideCacheSeconds: 60,
  ipHeader: '',
  ipMode: 'trusted-proxy',
  trustProxy: false,
  onError: 'show',
  keyPrefix: '',
  sessionCookieName: 'sessionid',
  blockResetsWindow: true,
  eventRetentionDays: 90,
  localCacheSeconds: 2,
  errorLogIntervalSeconds: 60,
  breakerFailures: 5,
  breakerOpenSeconds: 10,
};

/** Minimum HMAC key length in bytes (behaviour §9). */
export const MIN_HASH_SECRET_BYTES = 32;

const trustKeywords = new Set(['loopback', 'linklocal', 'uniquelocal']);

type Env = Readonly<Record<string, string | undefined>>;

const integerMinimums: ReadonlyArray<readonly [keyof ThrottleConfig, number, string]> = [
  ['windowSeconds', 1, 'ADS_VIEW_REPEAT_WINDOW_SECONDS'],
  ['threshold', 1, 'ADS_VIEW_REPEAT_THRESHOLD'],
  ['blockSeconds', 0, 'ADS_BLOCK_SECONDS'],
  ['eventRecordSeconds', 0, 'ADS_THROTTLE_EVENT_RECORD_SECONDS'],
  ['settingsCacheSeconds', 0, 'ADS_THROTTLE_SETTINGS_CACHE_SECONDS'],
  ['overrideCacheSeconds', 0, 'ADS_THROTTLE_OVERRIDE_CACHE_SECONDS'],
  ['eventRetentionDays', 0, 'ADS_THROTTLE_EVENT_RETENTION_DAYS'],
  ['localCacheSeconds', 0, 'ADS_THROTTLE_LOCAL_CACHE_SECONDS'],
  ['errorLogIntervalSeconds', 0, 'ADS_THROTTLE_ERROR_LOG_SECONDS'],
  ['breakerFailures', 0, 'option only'],
  ['breakerOpenSeconds', 0, 'option only'],
];

/**
 * Reads the configuration from environment variables (the original Django setting names plus the
 * port's `ADS_THROTTLE_*` additions), merges `options` over it and validates everything at once.
 * Pure apart from reading `env`; this is the only place in the package that looks at `process.env`.
 *
 * @throws AdsThrottleError `ADS_THROTTLE_CONFIG_INVALID` naming every bad variable or option.
 */
export function loadThrottleConfig(env: Env = process.env, options: ThrottleOptions = {}): ThrottleConfig {
  const issues: string[] = [];
  const fromEnv: ThrottleOptions = {};

  const integer = (name: string, key: keyof ThrottleConfig): void => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return;
    if (!/^\d+$/.test(raw)) {
      issues.push(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
      return;
    }
    Object.assign(fromEnv, { [key]: Number(raw) });
  };
  integer('ADS_VIEW_REPEAT_WINDOW_SECONDS', 'windowSeconds');
  integer('ADS_VIEW_REPEAT_THRESHOLD', 'threshold');
  integer('ADS_BLOCK_SECONDS', 'blockSeconds');
  integer('ADS_THROTTLE_EVENT_RECORD_SECONDS', 'eventRecordSeconds');
  integer('ADS_THROTTLE_SETTINGS_CACHE_SECONDS', 'settingsCacheSeconds');
  integer('ADS_THROTTLE_OVERRIDE_CACHE_SECONDS', 'overrideCacheSeconds');
  integer('ADS_THROTTLE_EVENT_RETENTION_DAYS', 'eventRetentionDays');
  integer('ADS_THROTTLE_LOCAL_CACHE_SECONDS', 'localCacheSeconds');
  integer('ADS_THROTTLE_ERROR_LOG_SECONDS', 'errorLogIntervalSeconds');

  if (env.ADS_THROTTLE_IP_HEADER !== undefined) fromEnv.ipHeader = env.ADS_THROTTLE_IP_HEADER.trim();
  if (env.ADS_THROTTLE_KEY_PREFIX !== undefined) fromEnv.keyPrefix = env.ADS_THROTTLE_KEY_PREFIX;
  const cookie = env.ADS_THROTTLE_SESSION_COOKIE_NAME?.trim();
  if (cookie) fromEnv.sessionCookieName = cookie;

  const ipMode = env.ADS_THROTTLE_IP_MODE?.trim();
  if (ipMode) {
    if (ipMode === 'trusted-proxy' || ipMode === 'parity') fromEnv.ipMode = ipMode;
    else issues.push(`ADS_THROTTLE_IP_MODE must be trusted-proxy or parity, got ${JSON.stringify(ipMode)}`);
  }
  const onError = env.ADS_THROTTLE_ON_ERROR?.trim();
  if (onError) {
    if (onError === 'show' || onError === 'hide') fromEnv.onError = onError;
    else issues.push(`ADS_THROTTLE_ON_ERROR must be show or hide, got ${JSON.stringify(onError)}`);
  }
  const resets = env.ADS_THROTTLE_BLOCK_RESETS_WINDOW?.trim();
  if (resets) {
    const parsed = parseBoolean(resets);
    if (parsed === undefined) issues.push(`ADS_THROTTLE_BLOCK_RESETS_WINDOW must be true or false`);
    else fromEnv.blockResetsWindow = parsed;
  }
  const trust = env.ADS_THROTTLE_TRUST_PROXY?.trim();
  if (trust) fromEnv.trustProxy = parseTrustProxy(trust);

  const secret = env.ADS_THROTTLE_HASH_SECRET;
  if (secret !== undefined && secret !== '') fromEnv.hashSecret = secret;
  else if (options.hashSecret === undefined) {
    if (env.NODE_ENV === 'production') issues.push('ADS_THROTTLE_HASH_SECRET is required in production');
    else fromEnv.hashSecret = DEVELOPMENT_HASH_SECRET;
  }

  return finish({ ...fromEnv, ...definedOnly(options) }, issues);
}

/**
 * Merges options over the defaults and validates them, without reading the environment.
 *
 * @throws AdsThrottleError `ADS_THROTTLE_CONFIG_INVALID` naming every bad option.
 */
export function resolveThrottleConfig(options: ThrottleOptions): ThrottleConfig {
  return finish(definedOnly(options), []);
}

/**
 * Checks the four throttle values against their ranges (T ≥ 1, W ≥ 1, B ≥ 0, E ≥ 0) and returns the
 * names of the bad ones; shared by configuration and the admin's settings form.
 */
export function findInvalidThrottleValues(values: {
  windowSeconds?: unknown;
  threshold?: unknown;
  blockSeconds?: unknown;
  eventRecordSeconds?: unknown;
}): Array<{ field: 'windowSeconds' | 'threshold' | 'blockSeconds' | 'eventRecordSeconds'; min: number }> {
  const bad: Array<{
    field: 'windowSeconds' | 'threshold' | 'blockSeconds' | 'eventRecordSeconds';
    min: number;
  }> = [];
  const check = (
    field: 'windowSeconds' | 'threshold' | 'blockSeconds' | 'eventRecordSeconds',
    min: number,
  ) => {
    const value = values[field];
    if (value === undefined) return;
    if (!isIntegerAtLeast(value, min)) bad.push({ field, min });
  };
  check('windowSeconds', 1);
  check('threshold', 1);
  check('blockSeconds', 0);
  check('eventRecordSeconds', 0);
  return bad;
}

function finish(merged: ThrottleOptions, issues: string[]): ThrottleConfig {
  const config: ThrottleConfig = { ...defaultThrottleConfig, hashSecret: '', ...merged };
  for (const [key, min, envName] of integerMinimums) {
    if (!isIntegerAtLeast(config[key], min))
      issues.push(`${key} (${envName}) must be a whole number >= ${min}`);
  }
  if (config.ipMode !== 'trusted-proxy' && config.ipMode !== 'parity')
    issues.push('ipMode must be trusted-proxy or parity');
  if (config.onError !== 'show' && config.onError !== 'hide') issues.push('onError must be show or hide');
  if (typeof config.hashSecret !== 'string' || Buffer.byteLength(config.hashSecret) < MIN_HASH_SECRET_BYTES) {
    issues.push(`hashSecret must be at least ${MIN_HASH_SECRET_BYTES} bytes (ADS_THROTTLE_HASH_SECRET)`);
  }
  if (typeof config.keyPrefix !== 'string' || /[{}]/.test(config.keyPrefix)) {
    issues.push(
      'keyPrefix (ADS_THROTTLE_KEY_PREFIX) must be a string without { or }: the store gives each viewer its own Redis Cluster {hash tag}',
    );
  }
  if (typeof config.sessionCookieName !== 'string' || config.sessionCookieName === '') {
    issues.push('sessionCookieName must be a non-empty string');
  }
  issues.push(...trustProxyIssues(config.trustProxy));
  if (issues.length > 0) {
    throw new AdsThrottleError('ADS_THROTTLE_CONFIG_INVALID', {
      params: { issues: issues.join('; ') },
      details: { issues },
    });
  }
  return config;
}

function trustProxyIssues(value: TrustProxy): string[] {
  if (typeof value === 'boolean') return [];
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 ? [] : ['trustProxy hop count must be >= 0'];
  if (!Array.isArray(value)) return ['trustProxy must be a boolean, a hop count or a list of addresses'];
  const issues: string[] = [];
  for (const entry of value) {
    if (trustKeywords.has(entry)) continue;
    const [address = '', bits, extra] = String(entry).split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || extra !== undefined) {
      issues.push(
        `ADS_THROTTLE_TRUST_PROXY entry ${JSON.stringify(entry)} is not an address, CIDR or keyword`,
      );
    }
  }
  return issues;
}

/**
 * Digits are a hop count, also `1` (one proxy), which a boolean reading would turn into "trust every
 * hop" and so let clients choose their address; `0` trusts none, like `false`.
 */
function parseTrustProxy(raw: string): TrustProxy {
  if (/^\d+$/.test(raw)) return Number(raw);
  const flag = parseBoolean(raw);
  if (flag !== undefined) return flag;
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function parseBoolean(raw: string): boolean | undefined {
  const value = raw.toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  return undefined;
}

function isIntegerAtLeast(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function definedOnly(options: ThrottleOptions): ThrottleOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as ThrottleOptions;
}
