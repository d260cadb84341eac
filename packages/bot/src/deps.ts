import { type Logger, pino } from 'pino';
import { type AdnovaApi, createAdnovaApi } from './api/adnova-api.ts';
import type { BotConfig } from './config.ts';
import { type BotStore, createStore } from './storage/store.ts';

/** Everything the bot's features need, built once (`createBotDeps`) and passed to `createBot`. */
export type BotDeps = {
  config: BotConfig;
  log: Logger;
  api: AdnovaApi;
  store: BotStore;
  close(): Promise<void>;
};

export function createBotLogger(config: BotConfig): Logger {
  return pino({ level: config.log.level, base: { service: 'adnova-bot' } });
}

/** Builds the bot's dependencies from its configuration; `overrides` are for tests and embedding. */
export function createBotDeps(
  config: BotConfig,
  overrides: Partial<Pick<BotDeps, 'log' | 'store' | 'api'>> = {},
): BotDeps {
  const log = overrides.log ?? createBotLogger(config);
  const store = overrides.store ?? createStore(config.storage);
  const api =
    overrides.api ?? createAdnovaApi({ baseUrl: config.backend.url, botApiToken: config.backend.apiToken });
  let closed = false;
  return {
    config,
    log,
    api,
    store,
    async close() {
      if (closed) return;
      closed = true;
      if (!overrides.store) await store.close();
    },
  };
}
