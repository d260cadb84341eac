import {
  describeRedis,
  loadRedisConnection,
  type RedisConnection,
} from '@adnova/core/cache/redis-connection';
/**
 * Whether this process talks to Telegram: only with a bot token from @BotFather. `apiRoot` is the
 * Bot API server (Telegram's, a self-hosted one, or a local fake in tests), without a trailing slash.
 */
export type TelegramConfig = { kind: 'disabled' } | { kind: 'enabled'; token: string; apiRoot: string };

/**
 * Where sessions, dialog state and flood counters live: this process, or a shared Redis (one
 * server, Sentinel or Cluster, read from the same variables as the platform's).
 */
export type BotStorageConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; redis: RedisConnection; keyPrefix: string };

export type BotConfig = {
  telegram: TelegramConfig;
  /** The AdNova HTTP API the bot acts through, and the shared secret of its bot-only endpoints. */
  backend: { url: string; apiToken: string | undefined };
  storage: BotStorageConfig;
  /** Keep the original's "send your advertiser id" login (weaker than link codes): off unless asked for. */
  allowIdLogin: boolean;
  /** Flood protection: at most `limit` updates per user per `windowMs`; the rest are dropped with one warning. */
  rateLimit: { windowMs: number; limit: number };
  log: { level: string };
};

type Env = Record<string, string | undefined>;

/** Thrown when bot variables are invalid; names every bad variable at once. */
export class BotConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid bot configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'BotConfigError';
  }
}

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8080';
export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

/** `123456789:AA…`: the bot's numeric id, a colon, then the secret part. */
const TOKEN_PATTERN = /^\d+:[A-Za-z0-9_-]+$/;

/**
 * Builds the bot's typed configuration from environment variables. Pure: reads only `env`. The
 * backend URL falls back to the seed bot's `AIOGRAM_BACKEND_URL` (spec §8 #33).
 */
export function loadBotConfig(env: Env = process.env): BotConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
        return undefined;
      }
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} is not a valid URL, got "${raw}"`);
      return undefined;
    }
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1' || raw === 'yes') return true;
    if (raw === 'false' || raw === '0' || raw === 'no') return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };

  const token = text('TELEGRAM_BOT_TOKEN');
  let telegram: TelegramConfig = { kind: 'disabled' };
  const apiRoot = url('TELEGRAM_API_ROOT', ['http:', 'https:']) ?? DEFAULT_TELEGRAM_API_ROOT;
  if (token !== undefined) {
    if (TOKEN_PATTERN.test(token)) telegram = { kind: 'enabled', token, apiRoot };
    else problems.push('TELEGRAM_BOT_TOKEN does not look like a bot token from @BotFather ("123456:ABC-…")');
  }

  const backendUrl =
    url('BOT_BACKEND_URL', ['http:', 'https:']) ??
    url('AIOGRAM_BACKEND_URL', ['http:', 'https:']) ??
    DEFAULT_BACKEND_URL;

  const redis = loadRedisConnection(env, problems, url);
  const storage: BotStorageConfig = redis
    ? { kind: 'redis', redis, keyPrefix: text('BOT_REDIS_KEY_PREFIX') ?? 'adnova:bot:' }
    : { kind: 'memory' };

  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  const level = text('LOG_LEVEL') ?? (env.NODE_ENV === 'test' ? 'silent' : 'info');
  if (!logLevels.includes(level))
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${level}"`);

  const config: BotConfig = {
    telegram,
    backend: { url: backendUrl, apiToken: text('BOT_API_TOKEN') },
    storage,
    allowIdLogin: bool('BOT_ALLOW_ID_LOGIN', false),
    rateLimit: {
      windowMs: int('BOT_RATE_LIMIT_WINDOW_MS', 1000, 50, 3_600_000),
      limit: int('BOT_RATE_LIMIT', 3, 1, 10_000),
    },
    log: { level },
  };
  if (problems.length > 0) throw new BotConfigError(problems);
  return config;
}

/** One line naming what the bot uses, logged at start. */
export function describeBot(config: BotConfig): string {
  const telegram = config.telegram.kind === 'enabled' ? config.telegram.apiRoot : 'disabled';
  const storage =
    config.storage.kind === 'redis' ? describeRedis(config.storage.redis) : 'memory (in-process)';
  return `telegram=${telegram} backend=${config.backend.url} storage=${storage} id-login=${config.allowIdLogin ? 'on' : 'off'} bot-api-token=${config.backend.apiToken ? 'set' : 'unset'}`;
}
