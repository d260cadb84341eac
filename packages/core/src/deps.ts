import { type AdsThrottle, createAdsThrottle } from '@adnova/ads-throttle';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { type CampaignCatalog, createCampaignCatalog } from './ads/catalog.ts';
import { type ClickModel, createClickModel } from './ads/click-model.ts';
import { type ClientProfiles, createClientProfiles } from './ads/client-profiles.ts';
import {
  createPriceBook,
  createTrafficCounter,
  type PriceBook,
  type TrafficCounter,
} from './ads/selection-planner.ts';
import { createServeQueue, type ServeQueue } from './ads/serve-queue.ts';
import { type Cache, createCache } from './cache/cache.ts';
import type { Config } from './config.ts';
import { type Database, type Db, openDatabase } from './db/database.ts';
import { createQueue } from './jobs/queue.factory.ts';
import type { JobQueue } from './jobs/queue.ts';
import { createLlm } from './llm/llm.factory.ts';
import type { Llm } from './llm/llm.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { createStorage, type ObjectStorage } from './storage/storage.ts';

/** Wall-clock time as a dependency, so tests never sleep. Distinct from the simulated day. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };

/** Everything the domain, the HTTP shell and later the bot and worker need, built once. */
export type Deps = {
  config: Config;
  log: Logger;
  db: Db;
  database: Database;
  cache: Cache;
  /** Campaign images: files under `DATA_DIR/media` or an S3-compatible bucket. */
  storage: ObjectStorage;
  clock: Clock;
  /**
   * The per-viewer ad throttle, one per process (its caches and circuit breaker live inside).
   * Built even when `config.throttle.enabled` is false, so overrides stay manageable; `serveAd`
   * only consults it when enabled.
   */
  throttle: AdsThrottle;
  /** Campaigns active today, cached in process and versioned by the database. */
  catalog: CampaignCatalog;
  /** The click-probability estimate learned from recorded impressions and clicks, cached in process. */
  clickModel: ClickModel;
  /** The selection plan's shadow prices, cached in process and versioned by the database. */
  prices: PriceBook;
  /** This process's ad requests per day, the planner's demand signal. */
  traffic: TrafficCounter;
  /** Client profiles for ranking, cached in process and versioned by the database (issue 14). */
  profiles: ClientProfiles;
  /** The serving statements of `GET /ads`: requests that arrive together share one. */
  serving: ServeQueue;
  /** Prometheus metrics of this process, served at `GET /metrics`. */
  metrics: Metrics;
  /** Background jobs: BullMQ on Redis, or the database runner; `startWorker` runs them. */
  queue: JobQueue;
  /** Ad-text generation and moderation: an OpenAI-compatible endpoint or the offline provider. */
  llm: Llm;
  close(): Promise<void>;
};

/**
 * The process logger. Raw client IPs are personal data the ads throttle only ever keeps hashed, so
 * Fastify's request log line drops the peer address too. `destination` is for tests.
 */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.log.level,
    base: { service: 'adnova' },
    redact: { paths: ['req.remoteAddress', 'req.remotePort'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Builds every dependency from the configuration and applies pending migrations. */
export async function createDeps(
  config: Config,
  overrides: Partial<Pick<Deps, 'log' | 'clock'>> = {},
): Promise<Deps> {
  const log = overrides.log ?? createLogger(config);
  // First, so a broken prompt file stops the start before anything is opened.
  const llm = createLlm(config.llm);
  const database = await openDatabase(config.database);
  try {
    if (config.migrateOnStart || config.roles.includes('migrate')) await database.migrate();
    else {
      const pending = await database.pendingMigrations();
      if (pending.length > 0)
        throw new Error(
          `Pending database migrations (${pending.join(', ')}) and DATABASE_MIGRATE=false: run the migrator (ADNOVA_ROLES=migrate) first`,
        );
    }
    // Behind a pooler the statement bound and jit=off come from the database's own settings; a
    // deployment missing them still serves, so this warns instead of refusing to start.
    for (const issue of (await database.settingIssues?.()) ?? []) log.warn(issue);
  } catch (error) {
    await database.close();
    throw error;
  }
  const cache = createCache(config.cache);
  const storage = createStorage(config.storage, log);
  const queue = createQueue(config.queue, database, log.child({ component: 'queue' }));
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetrics();
  const pool = database.poolStats;
  if (pool) {
    metrics.gauge('adnova_db_pool_connections', 'Open PostgreSQL pool connections', () => pool().total);
    metrics.gauge('adnova_db_pool_idle', 'Idle PostgreSQL pool connections', () => pool().idle);
    metrics.gauge(
      'adnova_db_pool_waiting',
      'Queries waiting for a PostgreSQL connection',
      () => pool().waiting,
    );
  }
  metrics.gaugeByLabel(
    'adnova_queue_jobs',
    'Jobs in the queue by status (PENDING, STARTED, RETRY, SUCCESS, FAILURE)',
    'status',
    () => queue.countJobs(),
  );
  const prices = createPriceBook();
  const profiles = createClientProfiles(config.ads.clientCacheSize);
  metrics.gauge('adnova_client_profiles_cached', 'Client profiles cached in this process', () =>
    profiles.size(),
  );
  metrics.gauge(
    'adnova_selection_plan_version',
    'Version of the selection plan whose prices this process ranks with (0: none yet)',
    () => prices.version(),
  );
  const { enabled: _enabled, ...throttleConfig } = config.throttle;
  const throttle = createAdsThrottle({
    config: throttleConfig,
    query: database.query,
    // Shares the cache's connection: counters are shared by every process exactly when the cache is.
    redis: cache.redis,
    clock,
    logger: log.child({ component: 'ads-throttle' }),
  });
  let closed = false;
  return {
    config,
    log,
    db: database.db,
    database,
    cache,
    storage,
    clock,
    throttle,
    catalog: createCampaignCatalog({ overshoot: config.ads.impressionsOvershoot }),
    clickModel: createClickModel({ now: () => clock.now() }),
    prices,
    // Counted only where a planner will read it.
    traffic: createTrafficCounter(config.ads.planner.enabled ? 200_000 : 0),
    profiles,
    serving: createServeQueue(database, metrics),
    metrics,
    queue,
    llm,
    async close() {
      if (closed) return;
      closed = true;
      // The worker's interrupted jobs are put back through the queue's store, before it closes.
      await queue.close();
      // Pending event writes use both the store and the database, so they finish first.
      await throttle.close();
      await cache.close();
      await storage.close();
      await database.close();
    },
  };
}
