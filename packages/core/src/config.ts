import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { isAdsThrottleError, loadThrottleConfig, type ThrottleConfig } from '@adnova/ads-throttle';
import {
  describeRedis,
  loadRedisConnection,
  type RedisConnection,
  redactUrl,
} from './cache/redis-connection.ts';

/** Where the platform's data lives: embedded PGlite on disk, PGlite in memory, or real PostgreSQL. */
export type DatabaseConfig =
  /**
   * `PGLITE_THREAD` (default true): the embedded database runs on a worker thread, off the API's
   * event loop; false runs it inline, on the event loop.
   */
  | { kind: 'pglite'; dataDir: string; thread?: boolean }
  | { kind: 'pglite-memory'; thread?: boolean }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      /** `DATABASE_READ_URL`: a read replica for statistics reads; unset = the primary. */
      readUrl?: string | undefined;
      /**
       * `DATABASE_STATEMENT_TIMEOUT_MS` (default 30 s): PostgreSQL cancels a statement running
       * longer (0 = never); migrations run without it.
       */
      statementTimeoutMs?: number;
      /** `DATABASE_CONNECT_TIMEOUT_MS` (default 10 s): the longest wait for a pool connection (then 503). */
      connectTimeoutMs?: number;
      /**
       * `DATABASE_PREPARED_STATEMENTS` (default true): hot-path statements are prepared once per
       * connection under a name. False sends them unnamed (parsed and planned on every call), as a
       * transaction-mode pooler without prepared-statement support needs (PgBouncer before 1.21):
       * it hands consecutive statements of one client to different server connections, where a
       * named statement prepared on another does not exist.
       */
      preparedStatements?: boolean;
      /**
       * `DATABASE_MIGRATE_URL` (default `url`): where migrations run. They hold a session-level
       * advisory lock across many statements, which a transaction-mode pooler cannot keep, so
       * behind one this is a direct connection to the primary.
       */
      migrateUrl?: string | undefined;
    };

/**
 * Shared cache and counters: in-process, or Redis when `REDIS_URL`, `REDIS_SENTINELS` or
 * `REDIS_CLUSTER_NODES` is set.
 */
export type CacheConfig = { kind: 'memory' } | { kind: 'redis'; redis: RedisConnection };

/**
 * Where campaign images live (spec §7.1): files under `DATA_DIR/media`, served by the API at
 * `/media/{key}`, or an S3-compatible bucket when the `S3_*` variables are set. `publicBaseUrl`
 * is what an object's key is appended to for its absolute public URL, without a trailing slash.
 */
export type StorageConfig =
  | { kind: 'disk'; dir: string; publicBaseUrl: string }
  | {
      kind: 's3';
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      publicBaseUrl: string;
    };

/**
 * The per-viewer ad throttle of `GET /ads` (`@adnova/ads-throttle`, its README, "Settings"):
 * the library's own validated configuration plus AdNova's on/off switch. Its counter store follows
 * `cache` (Redis when `REDIS_URL` is set), so the throttle has no URL of its own.
 */
export type AdsThrottleConfig = ThrottleConfig & {
  /** `ADS_THROTTLE_ENABLED` (default true): when false, `GET /ads` makes no throttle decision at all. */
  enabled: boolean;
};

/**
 * What this process runs (`ADNOVA_ROLES`): the HTTP API, the job worker, or both; `migrate` applies
 * the SQL migrations (and, alone, exits: the deploy's one-shot migrator).
 */
export type Role = 'api' | 'worker' | 'migrate';
export const ROLES: readonly Role[] = ['api', 'worker', 'migrate'];

/**
 * Retry and retention settings shared by both job queues. A failed attempt is retried after
 * `backoffMs * 2^(attempt - 1)` until `attempts` have been made.
 */
export type QueueSettings = {
  /** Attempts per job before it is marked FAILURE (`QUEUE_ATTEMPTS`). */
  attempts: number;
  /** Base of the exponential backoff between attempts, milliseconds (`QUEUE_BACKOFF_MS`). */
  backoffMs: number;
  /** Jobs one worker process runs at once (`QUEUE_CONCURRENCY`). */
  concurrency: number;
  /** How long finished jobs and their results are kept, seconds (`QUEUE_RESULT_TTL_SECONDS`). */
  resultTtlSeconds: number;
  /** Database queue only: how often an idle worker looks for due jobs, milliseconds. */
  pollIntervalMs: number;
};

/**
 * The job queue: BullMQ on Redis when `REDIS_URL` is set, otherwise a runner over the database's
 * `jobs` table (in process; several processes on one PostgreSQL share it safely).
 */
export type QueueConfig = QueueSettings &
  ({ kind: 'database' } | { kind: 'bullmq'; redis: RedisConnection; keyPrefix: string });

/**
 * Ad-text generation and moderation: an OpenAI-compatible chat-completions endpoint when
 * `LLM_BASE_URL` is set (YandexGPT's compatible API, OpenAI, vLLM, Ollama), otherwise the
 * built-in offline composer and rule-based moderator. `promptsDir` holds prompt files that
 * replace the built-in ones.
 */
export type LlmConfig = { promptsDir: string | undefined } & (
  | { kind: 'offline' }
  | {
      kind: 'openai';
      /** Base URL including the version segment, e.g. `https://api.openai.com/v1`. */
      baseUrl: string;
      apiKey: string | undefined;
      model: string;
      /** Per-request timeout, milliseconds. */
      timeoutMs: number;
      /** Extra tries of one request on 429, 5xx, network errors and timeouts. */
      maxRetries: number;
      /** Base of the exponential backoff between those tries, milliseconds. */
      retryBackoffMs: number;
    }
);

/**
 * The admin panel at `/admin` (issue 6, spec api.md §7.4). Cookies are `Secure` exactly when
 * `PUBLIC_BASE_URL` is https.
 */
export type AdminConfig = {
  /**
   * `ADMIN_PASSWORD`: the password of the `admin` superuser. While set it is authoritative: the
   * account is created with it on first start and reset to it (active, superuser) on every start
   * where it no longer matches. Unset outside production, a new installation gets `admin`/`admin`
   * with a loud warning; unset in production, no default account is created.
   */
  password: string | undefined;
  /**
   * `ADMIN_SESSION_SECRET` (at least 32 bytes): signs the admin's cookies. Required in production;
   * elsewhere, when unset, a random one is generated once and kept in the database, so every process
   * and restart on that database agrees on it.
   */
  sessionSecret: string | undefined;
  /** `ADMIN_SESSION_TTL_SECONDS`: lifetime of a login (default two weeks, Django's). */
  sessionTtlSeconds: number;
  /** `ADMIN_LOGIN_MAX_ATTEMPTS`: login attempts per username and IP per window (default 5). */
  loginMaxAttempts: number;
  /**
   * `ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP`: login attempts per client IP (an IPv6 client by its /64)
   * per window, whatever the usernames (default 30; spec §8 #40). Successful logins count too.
   */
  loginMaxAttemptsPerIp: number;
  /** `ADMIN_LOGIN_WINDOW_SECONDS`: the window of both login limits (default 900). */
  loginWindowSeconds: number;
  secureCookies: boolean;
};

/**
 * Bounds on checking an uploaded image (issue 12): decoding is the one CPU-heavy step of an upload,
 * and its cost follows the pixel count, not the file size (a 344 KB PNG claimed 88 megapixels and
 * took seconds of CPU).
 */
export type ImagesConfig = {
  /** `IMAGE_MAX_PIXELS` (default 4096 × 4096): larger images (width × height) are refused from their header. */
  maxPixels: number;
  /** `IMAGE_DECODE_CONCURRENCY` (default 2): images one process decodes at once. */
  decodeConcurrency: number;
  /** `IMAGE_DECODE_QUEUE` (default 8): uploads waiting for a decode slot; more get 503 + Retry-After. */
  decodeQueue: number;
};

/** Smallest accepted `ADMIN_SESSION_SECRET`, bytes. */
export const MIN_ADMIN_SESSION_SECRET_BYTES = 32;
/** Smallest accepted `ADMIN_PASSWORD`, characters (the panel's own password rule). */
export const MIN_ADMIN_PASSWORD_LENGTH = 8;

export type Config = {
  env: 'development' | 'production' | 'test';
  roles: Role[];
  /**
   * `ADNOVA_WORKERS`: API processes sharing the port (node:cluster). Default: one per core
   * (`os.availableParallelism()`) on PostgreSQL with Redis, else 1. The embedded PGlite database
   * is single-process: more is refused there with a warning and one process runs.
   */
  workers: number;
  http: {
    host: string;
    port: number;
    /** Largest accepted JSON body, bytes. */
    bodyLimit: number;
    corsOrigin: string;
    /**
     * `HTTP_TRUST_PROXY`: which peers' `X-Forwarded-*` headers to believe for the client address
     * (`request.ip`, used by the admin login limit and the throttle): `false` (default: the socket
     * address), `true` (any), a hop count, or a comma list of addresses and CIDR ranges.
     */
    trustProxy: boolean | number | string[];
    /** Absolute base URL under which this server is reachable; used for media links. */
    publicBaseUrl: string;
    /** Socket and request time bounds (spec §8 #41), milliseconds. */
    timeouts: {
      /** `HTTP_REQUEST_TIMEOUT_MS`: the whole request (headers and body) must arrive within it. */
      requestMs: number;
      /** `HTTP_HEADERS_TIMEOUT_MS`: the request headers must arrive within it. */
      headersMs: number;
      /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: an idle keep-alive connection is closed after it. */
      keepAliveMs: number;
      /** `HTTP_HANDLER_TIMEOUT_MS`: a request not answered within it gets 503 and its signal aborts. */
      handlerMs: number;
    };
    /**
     * Load shedding (spec §8 #41): above these, requests get 503 + Retry-After at once instead of
     * queueing; `/livez`, `/health` and `/metrics` are always served. 0 switches a check off.
     */
    shed: {
      /** `HTTP_SHED_EVENT_LOOP_DELAY_MS`: mean event-loop delay over the last sample. */
      maxEventLoopDelayMs: number;
      /** `HTTP_SHED_HEAP_USED_BYTES`: V8 heap in use; unset = 85 % of the heap limit. */
      maxHeapUsedBytes: number | undefined;
      /** `HTTP_SHED_RSS_BYTES`: resident memory of the process (PGlite's WebAssembly memory included). */
      maxRssBytes: number;
      /** `HTTP_SHED_RETRY_AFTER_SECONDS`: the Retry-After of a shed request. */
      retryAfterSeconds: number;
    };
    /**
     * Optional per-client-IP rate limit of the public API (`@fastify/rate-limit`, counted in Redis
     * when `REDIS_URL` is set). Off by default: the platform's contract has no rate limit.
     */
    rateLimit: {
      /** `HTTP_RATE_LIMIT_MAX`: requests per IP per window; 0 = off. */
      max: number;
      /** `HTTP_RATE_LIMIT_WINDOW_SECONDS`. */
      windowSeconds: number;
    };
  };
  /**
   * `SHUTDOWN_TIMEOUT_MS` (default 10 s): on SIGTERM the process stops accepting, finishes in-flight
   * requests and jobs and closes its pools; whatever is still open after this bound is abandoned and
   * the process exits (with code 1), even when PostgreSQL or Redis are gone.
   */
  shutdownTimeoutMs: number;
  log: { level: string };
  /**
   * The Telegram bot as the API sees it: `embedded` when `TELEGRAM_BOT_TOKEN` is set (the API
   * process runs the bot, whose own variables `@adnova/bot`'s config reads), and `apiToken`,
   * `BOT_API_TOKEN`, the secret of the bot-only endpoints (unset: they refuse every call, or with
   * the embedded bot a random secret is shared with it).
   */
  bot: { embedded: boolean; apiToken: string | undefined };
  database: DatabaseConfig;
  /**
   * `DATABASE_MIGRATE` (default true): apply pending migrations at start. Replicas of a deploy
   * set it to false and leave migrations to one `ADNOVA_ROLES=migrate` run; they refuse to start
   * while migrations are pending.
   */
  migrateOnStart: boolean;
  cache: CacheConfig;
  storage: StorageConfig;
  ads: {
    /** Fraction in [0, 0.05] an operator allows over `impressions_limit` (spec §5.4); 0 = hard cap. */
    impressionsOvershoot: number;
    /**
     * The selection planner (issue 13): `PLANNER_ENABLED` (default true) and
     * `PLANNER_INTERVAL_SECONDS` (default 60), how often prices are re-planned at the latest; a new
     * day or a changed catalog re-plans within `PLANNER_CHECK_SECONDS` (default 2).
     */
    planner: { enabled: boolean; intervalMs: number; checkMs: number };
    /**
     * `CLIENT_CACHE_SIZE` (default 100 000; 0 turns it off): how many clients' profiles (age,
     * gender, location, ML scores) a process keeps for ranking, least recently used out first.
     * Each entry is checked against the client's profile version by the serving statement.
     */
    clientCacheSize: number;
  };
  /** Campaign image uploads (spec §7.1): what one upload may cost to check. */
  images: ImagesConfig;
  throttle: AdsThrottleConfig;
  queue: QueueConfig;
  llm: LlmConfig;
  admin: AdminConfig;
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

  const dataDirRaw = env.DATA_DIR || 'data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  let database: DatabaseConfig;
  const dbUrl = env.DATABASE_URL;
  const thread = bool('PGLITE_THREAD', true);
  const preparedStatements = bool('DATABASE_PREPARED_STATEMENTS', true);
  if (dbUrl === undefined || dbUrl === '') {
    database = { kind: 'pglite', dataDir: resolve(dataDir, 'pglite'), thread };
  } else if (dbUrl === 'memory://') {
    database = { kind: 'pglite-memory', thread };
  } else if (dbUrl.startsWith('file://')) {
    database = { kind: 'pglite', dataDir: new URL(dbUrl).pathname, thread };
  } else {
    const checked = url('DATABASE_URL', ['postgres:', 'postgresql:']);
    database = {
      kind: 'postgres',
      url: checked ?? '',
      poolSize: int('DATABASE_POOL_SIZE', 20, 1, 1000),
      readUrl: url('DATABASE_READ_URL', ['postgres:', 'postgresql:']),
      statementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
      connectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
      preparedStatements,
      migrateUrl: url('DATABASE_MIGRATE_URL', ['postgres:', 'postgresql:']),
    };
  }
  if (database.kind !== 'postgres' && env.DATABASE_READ_URL)
    problems.push(
      'DATABASE_READ_URL needs DATABASE_URL to be a postgres:// URL (embedded PGlite has no replicas)',
    );
  if (database.kind !== 'postgres' && env.DATABASE_MIGRATE_URL)
    problems.push('DATABASE_MIGRATE_URL needs DATABASE_URL to be a postgres:// URL');
  // Migrations at start (default), or only by the deploy's one-shot migrator (`ADNOVA_ROLES=migrate`).
  const migrateOnStart = bool('DATABASE_MIGRATE', true);

  const redis = loadRedisConnection(env, problems, url);
  const cache: CacheConfig = redis ? { kind: 'redis', redis } : { kind: 'memory' };

  const storage = loadStorage(env, problems, url, {
    dir: resolve(dataDir, 'media'),
    publicBaseUrl: `${publicBaseUrl.replace(/\/+$/, '')}/media`,
  });

  const roles = loadRoles(env, problems);
  const queueSettings: QueueSettings = {
    attempts: int('QUEUE_ATTEMPTS', 5, 1, 100),
    backoffMs: int('QUEUE_BACKOFF_MS', 2000, 1, 3_600_000),
    concurrency: int('QUEUE_CONCURRENCY', 4, 1, 256),
    resultTtlSeconds: int('QUEUE_RESULT_TTL_SECONDS', 86_400, 60, 365 * 86_400),
    pollIntervalMs: int('QUEUE_POLL_INTERVAL_MS', 1000, 10, 60_000),
  };
  const queue: QueueConfig = redis
    ? { kind: 'bullmq', redis, keyPrefix: queueKeyPrefix(env, redis, problems), ...queueSettings }
    : { kind: 'database', ...queueSettings };
  const llm = loadLlm(env, problems, url, int, cwd);
  const admin = loadAdmin(env, problems, int, appEnv, publicBaseUrl);

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
    roles,
    workers: int(
      'ADNOVA_WORKERS',
      database.kind === 'postgres' && cache.kind === 'redis' ? availableParallelism() : 1,
      1,
      256,
    ),
    http: {
      host,
      port,
      bodyLimit: int('HTTP_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      corsOrigin: env.CORS_ORIGIN || '*',
      trustProxy: trustProxy(env.HTTP_TRUST_PROXY),
      publicBaseUrl: publicBaseUrl.replace(/\/+$/, ''),
      timeouts: {
        requestMs: int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000),
        headersMs: int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 600_000),
        keepAliveMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 3_600_000),
        handlerMs: int('HTTP_HANDLER_TIMEOUT_MS', 30_000, 100, 3_600_000),
      },
      shed: {
        maxEventLoopDelayMs: int('HTTP_SHED_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000),
        maxHeapUsedBytes:
          env.HTTP_SHED_HEAP_USED_BYTES === undefined || env.HTTP_SHED_HEAP_USED_BYTES === ''
            ? undefined
            : int('HTTP_SHED_HEAP_USED_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
        maxRssBytes: int('HTTP_SHED_RSS_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
        retryAfterSeconds: int('HTTP_SHED_RETRY_AFTER_SECONDS', 5, 1, 3600),
      },
      rateLimit: {
        max: int('HTTP_RATE_LIMIT_MAX', 0, 0, 1_000_000_000),
        windowSeconds: int('HTTP_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      },
    },
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
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
    bot: {
      embedded: (env.TELEGRAM_BOT_TOKEN ?? '').trim() !== '',
      apiToken: (env.BOT_API_TOKEN ?? '').trim() || undefined,
    },
    database,
    migrateOnStart,
    cache,
    storage,
    ads: {
      impressionsOvershoot: num('ADS_IMPRESSIONS_OVERSHOOT', 0, 0, 0.05),
      planner: {
        enabled: bool('PLANNER_ENABLED', true),
        intervalMs: int('PLANNER_INTERVAL_SECONDS', 60, 1, 86_400) * 1000,
        checkMs: int('PLANNER_CHECK_SECONDS', 2, 1, 3600) * 1000,
      },
      clientCacheSize: int('CLIENT_CACHE_SIZE', 100_000, 0, 10_000_000),
    },
    images: {
      // 4096² covers 4K UHD (8.3 MP) and 12 MP phone photos; the ceiling is Pillow's bomb threshold,
      // the seed's effective limit, which issue 12 showed to be far too expensive as a default.
      maxPixels: int('IMAGE_MAX_PIXELS', 4096 * 4096, 1, 89_478_485),
      decodeConcurrency: int('IMAGE_DECODE_CONCURRENCY', 2, 1, 64),
      decodeQueue: int('IMAGE_DECODE_QUEUE', 8, 0, 1000),
    },
    queue,
    llm,
    admin,
  };

  if (problems.length > 0 || throttle === undefined) throw new ConfigError(problems);
  return { ...config, throttle: { ...throttle, enabled: throttleEnabled } };
}

function trustProxy(raw: string | undefined): boolean | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One line naming the backends in use, logged at start. */
export function describeBackends(config: Config): string {
  const db =
    config.database.kind === 'postgres'
      ? `postgres (${[
          redactUrl(config.database.url),
          `pool ${config.database.poolSize}`,
          ...(config.database.readUrl ? [`statistics from ${redactUrl(config.database.readUrl)}`] : []),
          ...(config.database.migrateUrl ? [`migrations via ${redactUrl(config.database.migrateUrl)}`] : []),
          ...(config.database.preparedStatements === false ? ['prepared statements off'] : []),
        ].join(', ')})`
      : `pglite (embedded, ${config.database.kind === 'pglite' ? config.database.dataDir : 'in memory'}${config.database.thread === false ? '' : ', on its own thread'})`;
  const cache = config.cache.kind === 'redis' ? describeRedis(config.cache.redis) : 'memory (in-process)';
  const throttle = config.throttle.enabled ? `on (${config.cache.kind} counters)` : 'off';
  const storage =
    config.storage.kind === 's3'
      ? `s3 (${redactUrl(config.storage.endpoint)}, bucket ${config.storage.bucket}, public ${config.storage.publicBaseUrl})`
      : `disk (${config.storage.dir}, served at ${config.storage.publicBaseUrl})`;
  const queue =
    config.queue.kind === 'bullmq'
      ? `bullmq (${describeRedis(config.queue.redis)}, prefix ${config.queue.keyPrefix})`
      : 'database (jobs table, in-process runner)';
  const llm =
    config.llm.kind === 'openai'
      ? `openai-compatible (${redactUrl(config.llm.baseUrl)}, model ${config.llm.model})`
      : 'offline (built-in composer and rule-based moderator; set LLM_BASE_URL for a real LLM)';
  const planner = config.ads.planner.enabled
    ? `on (re-plans every ${config.ads.planner.intervalMs / 1000} s)`
    : 'off (greedy ranking)';
  return `database=${db} cache=${cache} storage=${storage} ads-throttle=${throttle} queue=${queue} llm=${llm} planner=${planner} client-cache=${config.ads.clientCacheSize} roles=${config.roles.join(',')} workers=${config.workers}`;
}

/** The admin panel's settings; the session secret is required only in production. */
function loadAdmin(
  env: Env,
  problems: string[],
  int: (name: string, fallback: number, min: number, max: number) => number,
  appEnv: Config['env'],
  publicBaseUrl: string,
): AdminConfig {
  const password = env.ADMIN_PASSWORD === '' ? undefined : env.ADMIN_PASSWORD;
  if (password !== undefined && password.length < MIN_ADMIN_PASSWORD_LENGTH) {
    problems.push(`ADMIN_PASSWORD must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`);
  }
  const sessionSecret = env.ADMIN_SESSION_SECRET === '' ? undefined : env.ADMIN_SESSION_SECRET;
  if (sessionSecret === undefined && appEnv === 'production') {
    problems.push('ADMIN_SESSION_SECRET is required when NODE_ENV=production');
  }
  if (sessionSecret !== undefined && Buffer.byteLength(sessionSecret) < MIN_ADMIN_SESSION_SECRET_BYTES) {
    problems.push(`ADMIN_SESSION_SECRET must be at least ${MIN_ADMIN_SESSION_SECRET_BYTES} bytes long`);
  }
  return {
    password,
    sessionSecret,
    sessionTtlSeconds: int('ADMIN_SESSION_TTL_SECONDS', 1_209_600, 60, 365 * 86_400),
    loginMaxAttempts: int('ADMIN_LOGIN_MAX_ATTEMPTS', 5, 1, 1000),
    loginMaxAttemptsPerIp: int('ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP', 30, 1, 100_000),
    loginWindowSeconds: int('ADMIN_LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    secureCookies: publicBaseUrl.startsWith('https:'),
  };
}

/** `ADNOVA_ROLES`: a comma list of `api`, `worker` and `migrate`, default `api,worker`. */
function loadRoles(env: Env, problems: string[]): Role[] {
  const roles: Role[] = [];
  const unknown: string[] = [];
  for (const raw of (env.ADNOVA_ROLES || 'api,worker').split(',')) {
    const role = raw.trim();
    if (role === '') continue;
    if ((ROLES as readonly string[]).includes(role)) {
      if (!roles.includes(role as Role)) roles.push(role as Role);
    } else {
      unknown.push(role);
    }
  }
  if (unknown.length > 0 || roles.length === 0) {
    problems.push(`ADNOVA_ROLES must be a comma list of ${ROLES.join(', ')}, got "${env.ADNOVA_ROLES}"`);
  }
  return roles;
}

/**
 * Offline unless `LLM_BASE_URL` is set; then `LLM_MODEL` is required. A model or key without a
 * URL is reported rather than silently ignored (the operator meant a real LLM).
 */
function loadLlm(
  env: Env,
  problems: string[],
  url: (name: string, protocols: string[]) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  cwd: string,
): LlmConfig {
  const promptsDir = env.LLM_PROMPTS_DIR ? resolve(cwd, env.LLM_PROMPTS_DIR) : undefined;
  const model = env.LLM_MODEL?.trim() ?? '';
  if (env.LLM_BASE_URL === undefined || env.LLM_BASE_URL === '') {
    if (model !== '' || env.LLM_API_KEY) {
      problems.push('LLM_MODEL and LLM_API_KEY need LLM_BASE_URL (unset them for the offline provider)');
    }
    return { kind: 'offline', promptsDir };
  }
  const baseUrl = url('LLM_BASE_URL', ['http:', 'https:']) ?? '';
  if (model === '') problems.push('LLM_MODEL is required when LLM_BASE_URL is set');
  return {
    kind: 'openai',
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey: env.LLM_API_KEY || undefined,
    model,
    timeoutMs: int('LLM_TIMEOUT_MS', 30_000, 100, 600_000),
    maxRetries: int('LLM_MAX_RETRIES', 2, 0, 10),
    retryBackoffMs: int('LLM_RETRY_BACKOFF_MS', 500, 1, 60_000),
    promptsDir,
  };
}

const S3_REQUIRED = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

/** S3 bucket naming rules: 3..63 lowercase letters, digits, dots and hyphens, alphanumeric at both ends. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Disk unless any `S3_*` variable is set; then the four required ones must all be present (a
 * half-configured S3 is reported, never silently replaced by the disk). Problems go to `problems`.
 */
function loadStorage(
  env: Env,
  problems: string[],
  url: (name: string, protocols: string[]) => string | undefined,
  disk: { dir: string; publicBaseUrl: string },
): StorageConfig {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const s3Names = [...S3_REQUIRED, 'S3_REGION', 'S3_PUBLIC_URL'];
  if (!s3Names.some(set)) return { kind: 'disk', ...disk };

  const missing = S3_REQUIRED.filter((name) => !set(name));
  if (missing.length > 0) {
    problems.push(`S3 storage needs ${S3_REQUIRED.join(', ')}; missing: ${missing.join(', ')}`);
  }
  const endpoint = url('S3_ENDPOINT', ['http:', 'https:']) ?? '';
  const publicUrl = url('S3_PUBLIC_URL', ['http:', 'https:']);
  const bucket = env.S3_BUCKET ?? '';
  if (bucket !== '' && (!BUCKET_NAME.test(bucket) || bucket.includes('..'))) {
    problems.push(
      `S3_BUCKET must be 3..63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit, got "${bucket}"`,
    );
  }
  const trim = (s: string) => s.replace(/\/+$/, '');
  return {
    kind: 's3',
    endpoint: trim(endpoint),
    bucket,
    region: env.S3_REGION || 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '',
    publicBaseUrl: trim(publicUrl ?? `${trim(endpoint)}/${bucket}`),
  };
}

/**
 * `QUEUE_KEY_PREFIX` (default `adnova:queue`, or `{adnova:queue}` on a Redis Cluster). BullMQ's
 * scripts touch several keys of a queue at once, so on a cluster the prefix must be one hash tag.
 */
function queueKeyPrefix(
  env: Record<string, string | undefined>,
  redis: RedisConnection,
  problems: string[],
): string {
  const cluster = redis.mode === 'cluster';
  const prefix = env.QUEUE_KEY_PREFIX || (cluster ? '{adnova:queue}' : 'adnova:queue');
  if (cluster && !/\{[^}]+\}/.test(prefix))
    problems.push(`QUEUE_KEY_PREFIX must contain a {hash tag} on a Redis Cluster, got "${prefix}"`);
  return prefix;
}
