import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import type { CreateCampaignInput } from '@adnova/core/campaigns/campaigns.schema';
import { type Config, loadConfig } from '@adnova/core/config';
import { type Clock, createDeps, type Deps } from '@adnova/core/deps';
import { startWorker } from '@adnova/core/jobs/worker';
import { createTestDatabase } from '@adnova/test-utils/stores';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type AppOptions, buildApp } from '../src/app.ts';

/** Real PostgreSQL when DATABASE_URL is set (CI), otherwise in-memory PGlite. */
export const usingPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A fresh, empty PostgreSQL database for one test app, dropped afterwards; suites running in
 * parallel never share tables or the clock.
 */
export { createTestDatabase };

export type TestApp = { app: FastifyInstance; deps: Deps; config: Config };

/**
 * Config for tests: the suite's database choice, quiet logs, overridable per test. The ads
 * throttle is on with a threshold no ordinary test reaches (throttle tests set their own), and
 * its Redis keys get a prefix of their own so parallel test apps never share counters.
 */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL: process.env.REDIS_URL,
    DATABASE_URL: 'memory://',
    PUBLIC_BASE_URL: 'http://adnova.test',
    ADS_VIEW_REPEAT_THRESHOLD: '1000',
    ADS_THROTTLE_KEY_PREFIX: `adnova:test:${randomUUID()}:`,
    // Each test app's BullMQ queue is its own (dropped on close); retries back off quickly.
    QUEUE_KEY_PREFIX: `adnova:test:${randomUUID()}:queue`,
    QUEUE_BACKOFF_MS: '20',
    // Load shedding on event-loop delay is off: on a busy machine a test's own PGlite work can lag
    // the loop past any bound. Its tests (overload.test.ts) switch it on.
    HTTP_SHED_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
}

/** A clock tests move by hand (`advance`) instead of sleeping; starts at the real time. */
export type FakeClock = Clock & { advance(ms: number): void };

export function fakeClock(start = Date.now()): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

/** `app` is passed to `buildApp` (e.g. the bot-only endpoints' `botApiToken`). */
export type TestAppOptions = { clock?: Clock; app?: AppOptions };

/** Deletes the test app's throttle keys from Redis (the override version key has no TTL). */
export async function dropThrottleKeys(deps: Deps): Promise<void> {
  const redis = deps.cache.redis;
  const prefix = deps.throttle.config.keyPrefix;
  // Only the per-app prefix testConfig made: a test that chose its own must not wipe shared keys.
  if (!redis || !prefix.startsWith('adnova:test:')) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

/** Deletes the test app's BullMQ keys (only the per-app prefix testConfig made). */
export async function dropQueueKeys(deps: Deps): Promise<void> {
  const redis = deps.cache.redis;
  const queue = deps.config.queue;
  if (!redis || queue.kind !== 'bullmq' || !queue.keyPrefix.startsWith('adnova:test:')) return;
  const keys = await redis.keys(`${queue.keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

/**
 * Builds the whole app in-process on its own database, with its own temporary DATA_DIR (where disk
 * storage keeps images) removed on close, so tests never write into the repository.
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
): Promise<TestApp & { close(): Promise<void> }> {
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl = 'memory://';
  if (usingPostgres && env.DATABASE_URL === undefined) {
    const database = await createTestDatabase();
    databaseUrl = database.url;
    dropDatabase = database.drop;
  }
  const dataDir = env.DATA_DIR === undefined ? await mkdtemp(join(tmpdir(), 'adnova-test-')) : undefined;
  const config = testConfig({ DATABASE_URL: databaseUrl, ...(dataDir && { DATA_DIR: dataDir }), ...env });
  // Whatever was started is closed again, also when a later step fails (a plugin timing out on a
  // busy machine must not leave a worker polling and the test process alive).
  let deps: Deps | undefined;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await worker?.close();
    if (deps) {
      await deps.queue.close();
      await dropQueueKeys(deps);
      await deps.throttle.idle();
      await dropThrottleKeys(deps);
      await deps.close();
    }
    await dropDatabase?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    deps = await createDeps(config, options.clock ? { clock: options.clock } : {});
    // Like main.ts: the worker role (on by default) runs jobs in this process.
    worker = config.roles.includes('worker') ? await startWorker(deps) : undefined;
    app = await buildApp(deps, options.app);
    return { app, deps, config, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/** One app for one test, torn down when the test ends. */
export async function buildTestApp(
  t: Pick<TestContext, 'after'>,
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
) {
  const started = await startTestApp(env, options);
  t.after(() => started.close());
  return started;
}

/** PostgreSQL-only tests are skipped, with this reason, on embedded PGlite (single-process). */
export const needsPostgres = usingPostgres
  ? false
  : 'needs PostgreSQL (DATABASE_URL): PGlite is single-process';

/** Two apps (two sets of deps, as two processes would have) on one fresh PostgreSQL database. */
export async function startTwoAppsOnOneDatabase(t: Pick<TestContext, 'after'>): Promise<[TestApp, TestApp]> {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const one = await startTestApp({ DATABASE_URL: database.url });
  t.after(() => one.close());
  const two = await startTestApp({ DATABASE_URL: database.url });
  t.after(() => two.close());
  return [one, two];
}

/**
 * One app shared by a suite (`describe`): built before its first test, closed after its last.
 * Tests in it make their own tenants with `seed`.
 */
export function useTestApp(env: Record<string, string | undefined> = {}): TestApp {
  const state = {} as TestApp;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const started = await startTestApp(env);
    Object.assign(state, started);
    close = started.close;
  });
  after(async () => {
    await close?.();
  });
  return state;
}

export const json = <T = unknown>(res: LightMyRequestResponse): T => res.json() as T;

/** The API's create body, with targeting loose enough for tests to send invalid ones. */
export type CampaignBody = Omit<CreateCampaignInput, 'targeting'> & {
  targeting?: Record<string, unknown> | null;
};

/** Seed factories: each call makes its own tenant with fresh ids; overrides win. */
export function seed(app: FastifyInstance) {
  return {
    async advertiser(overrides: Partial<{ advertiser_id: string; name: string }> = {}) {
      const body = { advertiser_id: randomUUID(), name: 'Acme', ...overrides };
      const res = await app.inject({ method: 'POST', url: '/advertisers/bulk', payload: [body] });
      if (res.statusCode !== 201) throw new Error(`seed advertiser: ${res.statusCode} ${res.body}`);
      return body;
    },
    async client(
      overrides: Partial<{
        client_id: string;
        login: string;
        age: number;
        location: string;
        gender: 'MALE' | 'FEMALE';
      }> = {},
    ) {
      const body = {
        client_id: randomUUID(),
        login: 'ann',
        age: 30,
        location: 'Moscow',
        gender: 'FEMALE' as const,
        ...overrides,
      };
      const res = await app.inject({ method: 'POST', url: '/clients/bulk', payload: [body] });
      if (res.statusCode !== 201) throw new Error(`seed client: ${res.statusCode} ${res.body}`);
      return body;
    },
    async campaign(advertiserId: string, overrides: Partial<CampaignBody> = {}) {
      const body: CampaignBody = {
        impressions_limit: 100,
        clicks_limit: 50,
        cost_per_impression: 1,
        cost_per_click: 2,
        ad_title: 'Title',
        ad_text: 'Text',
        start_date: 0,
        end_date: 10,
        ...overrides,
      };
      const res = await app.inject({
        method: 'POST',
        url: `/advertisers/${advertiserId}/campaigns`,
        payload: body,
      });
      if (res.statusCode !== 201) throw new Error(`seed campaign: ${res.statusCode} ${res.body}`);
      return res.json() as CampaignBody & { campaign_id: string; advertiser_id: string };
    },
    async score(clientId: string, advertiserId: string, score: number) {
      const res = await app.inject({
        method: 'POST',
        url: '/ml-scores',
        payload: { client_id: clientId, advertiser_id: advertiserId, score },
      });
      if (res.statusCode !== 200) throw new Error(`seed score: ${res.statusCode} ${res.body}`);
    },
    async advance(day: number) {
      const res = await app.inject({ method: 'POST', url: '/time/advance', payload: { current_date: day } });
      if (res.statusCode !== 200) throw new Error(`advance: ${res.statusCode} ${res.body}`);
    },
  };
}

export const getAd = (app: FastifyInstance, clientId: string) =>
  app.inject({ method: 'GET', url: `/ads?client_id=${clientId}` });

export const click = (app: FastifyInstance, adId: string, clientId: string) =>
  app.inject({ method: 'POST', url: `/ads/${adId}/click`, payload: { client_id: clientId } });
