import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type RunningBot, startBot } from './bot.ts';
import type { BotConfig } from './config.ts';
import { type BotDeps, createBotDeps } from './deps.ts';

/**
 * The bot started by the API process (`npm start` with `TELEGRAM_BOT_TOKEN`). It still talks to
 * the API over HTTP, through the loopback address the API listens on, exactly like a bot running
 * as its own process, so the two deployments behave the same.
 */
export type EmbeddedBot = {
  /**
   * The secret of the bot-only endpoints for `buildApp`: `BOT_API_TOKEN` when set; otherwise, with
   * the bot enabled, a random one shared with the embedded bot only (nothing else can call those
   * endpoints); otherwise undefined (they refuse every call).
   */
  apiToken: string | undefined;
  /** Starts the bot against the API listening at `address`; failures are logged, never thrown. */
  start(address: AddressInfo | string | null): Promise<void>;
  stop(): Promise<void>;
};

/** The loopback URL of a listening server (a wildcard bind is reached through 127.0.0.1 or ::1). */
export function loopbackUrl(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0' || address.address === ''
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Prepares the bot of an API process. Only a process with the `api` role runs it (it needs the API
 * in the same process); one process per bot token may poll Telegram, so scaled-out APIs should run
 * the bot as its own process instead (`npm start -w @adnova/bot`).
 */
export function prepareEmbeddedBot(
  config: BotConfig,
  log: Logger,
  options: { apiRole: boolean },
): EmbeddedBot {
  const botLog = log.child({ component: 'bot' });
  if (config.telegram.kind === 'disabled') {
    return {
      apiToken: config.backend.apiToken,
      async start() {
        botLog.info('Telegram bot disabled: set TELEGRAM_BOT_TOKEN');
      },
      async stop() {},
    };
  }
  if (!options.apiRole) {
    return {
      apiToken: config.backend.apiToken,
      async start() {
        botLog.info(
          'Telegram bot not started: it runs in the process with the api role (or alone: npm start -w @adnova/bot)',
        );
      },
      async stop() {},
    };
  }
  const apiToken = config.backend.apiToken ?? randomBytes(32).toString('hex');
  if (!config.backend.apiToken) {
    botLog.info(
      "BOT_API_TOKEN unset: the bot-only endpoints accept only this process's bot (a random secret)",
    );
  }
  let deps: BotDeps | undefined;
  let running: RunningBot | undefined;
  return {
    apiToken,
    async start(address) {
      if (address === null || typeof address === 'string') {
        botLog.error({ address }, 'Telegram bot not started: the API does not listen on a TCP port');
        return;
      }
      deps = createBotDeps({ ...config, backend: { url: loopbackUrl(address), apiToken } }, { log: botLog });
      try {
        running = await startBot(deps);
      } catch (error) {
        // The API keeps serving: a wrong token or an unreachable Telegram must not take it down.
        botLog.error(
          { err: error },
          'Telegram bot could not start: check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT',
        );
        await deps.close();
        deps = undefined;
      }
    },
    async stop() {
      await running?.stop();
      await deps?.close();
    },
  };
}
