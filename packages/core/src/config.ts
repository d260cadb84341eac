import { isAbsolute, resolve } from 'node:path';

/** Where the platform's data lives: embedded PGlite on disk, PGlite in memory, or real PostgreSQL. */
export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string; poolSize: number };

/** Shared cache and counters: in-process, or Redis when `REDIS_URL` is set. */
export type CacheConfig = { kind: 'memory' } | { kind: 'redis'; url: string };

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

  const config: Config = {
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

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
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
  return `database=${db} cache=${cache}`;
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
