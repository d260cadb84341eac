import { type Logger, pino } from 'pino';
import { type Cache, createCache } from './cache/cache.ts';
import type { Config } from './config.ts';
import { type Database, type Db, openDatabase } from './db/database.ts';

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
  clock: Clock;
  close(): Promise<void>;
};

export function createLogger(config: Config): Logger {
  return pino({
    level: config.log.level,
    base: { service: 'adnova' },
  });
}

/** Builds every dependency from the configuration and applies pending migrations. */
export async function createDeps(
  config: Config,
  overrides: Partial<Pick<Deps, 'log' | 'clock'>> = {},
): Promise<Deps> {
  const log = overrides.log ?? createLogger(config);
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  const cache = createCache(config.cache);
  let closed = false;
  return {
    config,
    log,
    db: database.db,
    database,
    cache,
    clock: overrides.clock ?? systemClock,
    async close() {
      if (closed) return;
      closed = true;
      await cache.close();
      await database.close();
    },
  };
}
