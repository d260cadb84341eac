import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { seed, startTestApp, type TestApp } from '@adnova/server/testing';
import { FakeTelegram } from '@adnova/test-utils/fake-telegram';
import { freePort } from '@adnova/test-utils/ports';
import { Redis } from 'ioredis';
import { type RunningBot, startBot } from '../src/bot.ts';
import { loadBotConfig } from '../src/config.ts';
import { type BotDeps, createBotDeps } from '../src/deps.ts';
import type { GenerationWait } from '../src/features/ad-text.ts';

export const BOT_API_TOKEN = 'shared-bot-api-token-for-tests';

/** Redis tests run when REDIS_URL is set, and are reported as skipped otherwise. */
export const redisUrl = process.env.REDIS_URL;
export const needsRedis = redisUrl ? false : 'needs Redis (REDIS_URL): sessions and dialogs in Redis';

/** Generation polled fast: the test API's queue runs jobs within tens of milliseconds. */
const FAST_GENERATION: GenerationWait = { timeoutMs: 20_000, firstPollMs: 20, maxPollMs: 100 };

export type AdnovaServer = TestApp & { url: string; close(): Promise<void> };

/**
 * A real AdNova API on 127.0.0.1 (in-process, its own database, the job worker running), with
 * the bot-only endpoints open to `BOT_API_TOKEN`.
 */
export async function startAdnova(): Promise<AdnovaServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Images get URLs on this server, so the bot can download them; jobs are picked up quickly.
  const started = await startTestApp(
    { PUBLIC_BASE_URL: url, QUEUE_POLL_INTERVAL_MS: '20', QUEUE_BACKOFF_MS: '20' },
    { app: { botApiToken: BOT_API_TOKEN } },
  );
  await started.app.listen({ host: '127.0.0.1', port });
  return { ...started, url };
}

export type BotEnv = Record<string, string | undefined>;

export type Harness = {
  tg: FakeTelegram;
  adnova: AdnovaServer;
  bot: RunningBot;
  botDeps: BotDeps;
  /** Seed factories of the AdNova test helper (advertisers, clients, campaigns, time). */
  seed: ReturnType<typeof seed>;
  /** A fresh link code of the advertiser, through the public API. */
  linkCode(advertiserId: string): Promise<string>;
  /** Stops the bot and starts a new one on the same store and servers (a process restart). */
  restartBot(): Promise<void>;
};

/**
 * The whole system of a bot test: a real AdNova API, the fake Bot API, and the real bot polling
 * it over HTTP. The bot store is Redis when `storage: 'redis'` (a key prefix of its own, removed
 * afterwards), memory otherwise. Everything is closed when the test (or suite) ends.
 */
export async function startHarness(
  t: Pick<TestContext, 'after'>,
  options: { env?: BotEnv; storage?: 'memory' | 'redis' } = {},
): Promise<Harness> {
  const adnova = await startAdnova();
  const tg = await FakeTelegram.start();

  const prefix = `adnova:test:bot:${randomUUID()}:`;
  const config = loadBotConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    BOT_BACKEND_URL: adnova.url,
    BOT_API_TOKEN,
    // Tests send updates as fast as the bot answers; flood protection has its own test.
    BOT_RATE_LIMIT: '10000',
    ...(options.storage === 'redis' ? { REDIS_URL: redisUrl, BOT_REDIS_KEY_PREFIX: prefix } : {}),
    ...options.env,
  });
  const dropRedisKeys = async () => {
    if (options.storage !== 'redis') return;
    const redis = new Redis(redisUrl ?? '');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  };

  const harness = {
    tg,
    adnova,
    seed: seed(adnova.app),
    async linkCode(advertiserId: string) {
      const res = await fetch(`${adnova.url}/advertisers/${advertiserId}/link_codes`, { method: 'POST' });
      if (res.status !== 201) throw new Error(`link code: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { code: string }).code;
    },
  } as Harness;

  const launch = async () => {
    harness.botDeps = createBotDeps(config);
    harness.bot = await startBot(harness.botDeps, { generationWait: FAST_GENERATION });
  };
  const stop = async () => {
    await harness.bot.stop();
    await harness.botDeps.close();
  };
  harness.restartBot = async () => {
    await stop();
    await launch();
  };
  await launch();
  // The bot first (it talks to both servers), then the servers.
  t.after(async () => {
    await stop();
    await tg.close();
    await adnova.close();
    await dropRedisKeys();
  });
  return harness;
}
