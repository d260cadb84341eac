import { isAbsolute, resolve } from 'node:path';
import { isAdsThrottleError, loadThrottleConfig, type ThrottleConfig } from '@adnova/ads-throttle';

/** Where the platform's data lives: embedded PGlite on disk, PGlite in memory, or real PostgreSQL. */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string; poolSize: number };

/** Shared cache and counters: in-process, or Redis when `REDIS_URL` is set. */
export type CacheConfig = { kind: 'memory' } | { kind: 'redis'; url: string };

/**
 * The per-viewer ad throttle of `GET /ads` (`@adnova/ads-throttle`, spec ads-throttle.md §0, §8):
 * the library's own validated configuration plus AdNova's on/off switch. Its counter store follows
 * `cache` (Redis when `REDIS_URL` is set), so the throttle has no URL of its own.
 */
export type AdsThrottleConfig = ThrottleConfig & {
  /** `ADS_THROTTLE_ENABLED` (default true): when false, `GET /ads` makes no throttle decision at all. */
  enabled: boolean;
};

export type Config = {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    /** Largest accepted JSON body, bytes. */
    bodyLimit: number;
    corsOrigin: string;
    /** Absolute base URL under which this server is reachable; used for media links. */
    publicBaseUrl: string;
  };
  log: { level: string };
  database: DatabaseConfig;
  cache: CacheConfig;
  ads: {
    /** Fraction in [0, 0.05] an operator allows over `impressions_limit` (spec §5.4); 0 = hard cap. */
    impressionsOvershoot: number;
  };
  throttle: AdsThrottleConfig;
};

type Env = Record<string, string | undefined>;

/** Thrown when one or more environment variables are invalid; lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the typed configuration from environment variables, with embedded defaults for
 * everything `npm start` needs. Pure: reads only `env`.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name} must be a number in ${min}..${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true' || raw === '1' || raw === 'yes') return true;
    if (raw === 'false' || raw === '0' || raw === 'no') return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
        return undefined;
      }
      return raw;
    } catch {
      problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  };

  const nodeEnv = env.NODE_ENV;
  const appEnv: Config['env'] =
    nodeEnv === 'production' ? 'production' : nodeEnv === 'test' ? 'test' : 'development';

  const port = int('PORT', 8080, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const publicBaseUrl =
    url('PUBLIC_BASE_URL', ['http:', 'https:']) ??
    `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  let database: DatabaseConfig;
  const dbUrl = env.DATABASE_URL;
  if (dbUrl === undefined || dbUrl === '') {
    const dir = env.DATA_DIR || 'data';
    database = { kind: 'pglite', dataDir: resolve(isAbsolute(dir) ? dir : resolve(cwd, dir), 'pglite') };
  } else if (dbUrl === 'memory://') {
    database = { kind: 'pglite-memory' };
  } else if (dbUrl.startsWith('file://')) {
    database = { kind: 'pglite', dataDir: new URL(dbUrl).pathname };
  } else {
    const checked = url('DATABASE_URL', ['postgres:', 'postgresql:']);
    database = { kind: 'postgres', url: checked ?? '', poolSize: int('DATABASE_POOL_SIZE', 20, 1, 1000) };
  }

  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  const cache: CacheConfig = redisUrl ? { kind: 'redis', url: redisUrl } : { kind: 'memory' };

  const throttleEnabled = bool('ADS_THROTTLE_ENABLED', true);
  let throttle: ThrottleConfig | undefined;
  try {
    // The library reads only its ADS_* variables from the env it is given and validates them all
    // at once; its issues join ours so an operator sees one message. Keys live in AdNova's Redis
    // next to the cache, hence the `adnova:` default; ADS_THROTTLE_KEY_PREFIX still wins (options
    // beat env in the library, so the default is only passed when the variable is unset).
    throttle = loadThrottleConfig(env, { keyPrefix: env.ADS_THROTTLE_KEY_PREFIX ?? 'adnova:' });
  } catch (error) {
    if (!isAdsThrottleError(error, 'ADS_THROTTLE_CONFIG_INVALID')) throw error;
    const issues = error.details.issues;
    problems.push(...(Array.isArray(issues) ? issues.map(String) : [error.message]));
  }

  const config: Omit<Config, 'throttle'> = {
    env: appEnv,
    http: {
      host,
      port,
      bodyLimit: int('HTTP_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      corsOrigin: env.CORS_ORIGIN || '*',
      publicBaseUrl: publicBaseUrl.replace(/\/+$/, ''),
    },
    log: {
      level: oneOf('LOG_LEVEL', appEnv === 'test' ? 'silent' : 'info', [
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ]),
    },
    database,
    cache,
    ads: { impressionsOvershoot: num('ADS_IMPRESSIONS_OVERSHOOT', 0, 0, 0.05) },
  };

  if (problems.length > 0 || throttle === undefined) throw new ConfigError(problems);
  return { ...config, throttle: { ...throttle, enabled: throttleEnabled } };
}

/** One line naming the backends in use, logged at start. */
export function describeBackends(config: Config): string {
  const db =
    config.database.kind === 'postgres'
      ? `postgres (${redactUrl(config.database.url)}, pool ${config.database.poolSize})`
      : config.database.kind === 'pglite'
        ? `pglite (embedded, ${config.database.dataDir})`
        : 'pglite (embedded, in memory)';
  const cache =
    config.cache.kind === 'redis' ? `redis (${redactUrl(config.cache.url)})` : 'memory (in-process)';
  const throttle = config.throttle.enabled ? `on (${config.cache.kind} counters)` : 'off';
  return `database=${db} cache=${cache} ads-throttle=${throttle}`;
}

function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
