import { randomBytes } from 'node:crypto';
import type { BotConfig } from '@adnova/bot/config';
import type { EmbeddedBot } from '@adnova/bot/embedded';
import { warmClientProfiles } from '@adnova/core/ads/client-profiles';
import { createSelectionPlanner, type SelectionPlanner } from '@adnova/core/ads/selection-planner';
import { getCurrentDay } from '@adnova/core/clock/clock';
import { ConfigError, describeBackends, loadConfig } from '@adnova/core/config';
import { createDeps, createLogger } from '@adnova/core/deps';
import { type JobWorker, startWorker } from '@adnova/core/jobs/worker';
import { createLpThread } from '@adnova/core/shared/lp-thread';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { clusterSlot, clusterWorkerMetrics, plannedWorkers, runPrimary } from './cluster.ts';

/**
 * The bot's configuration when this process runs the Telegram bot (`config.bot.embedded`:
 * `TELEGRAM_BOT_TOKEN` set), else undefined. The bot package (grammY, sharp) is loaded only then: the API starts without it.
 */
async function loadTelegramBotConfig(embedded: boolean): Promise<BotConfig | undefined> {
  if (!embedded) return undefined;
  const { loadBotConfig } = await import('@adnova/bot/config');
  return loadBotConfig();
}

/**
 * The composition root: config → deps → the roles of `ADNOVA_ROLES` (the HTTP server for `api`,
 * the job worker for `worker`), with a graceful shutdown. With `ADNOVA_WORKERS` > 1 on PostgreSQL
 * this process becomes the cluster's primary (cluster.ts) and each worker it forks runs this again.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let botConfig: BotConfig | undefined;
  try {
    config = loadConfig();
    botConfig = await loadTelegramBotConfig(config.bot.embedded);
  } catch (error) {
    if (error instanceof ConfigError || (error instanceof Error && error.name === 'BotConfigError')) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  // The secret of the bot-only endpoints, for a bot running in this process or as its own.
  const botApiToken = config.bot.apiToken;
  // A cluster worker (slot 0..N-1) serves like a single process; the primary announces the start.
  const slot = clusterSlot();
  const log = slot === undefined ? createLogger(config) : createLogger(config).child({ worker: slot });
  const workers = slot === undefined ? plannedWorkers(config, log) : config.workers;
  const deps = await createDeps(config, { log });
  const backends = describeBackends({ ...config, workers });
  if (slot === undefined) log.info({ backends }, `AdNova backends: ${backends}`);
  if (slot === undefined && workers > 1) {
    // The primary: the migrations are applied (by createDeps, once, as ADNOVA_ROLES=migrate
    // does); the workers only verify them. One bot-only secret for all workers: the bot's calls
    // reach any of them through the shared port.
    await deps.close();
    const shareBotToken = botConfig !== undefined && !botApiToken;
    if (botConfig) log.info('Telegram bot: the worker in slot 0 polls Telegram (one poller per token)');
    runPrimary({
      config,
      log,
      workers,
      env: shareBotToken ? { BOT_API_TOKEN: randomBytes(32).toString('hex') } : {},
    });
    return;
  }
  if (!config.roles.includes('api') && !config.roles.includes('worker')) {
    // The deploy's one-shot migrator: createDeps has applied the migrations.
    log.info('migrations applied; exiting (ADNOVA_ROLES=migrate)');
    await deps.close();
    return;
  }
  const embeddedQueue = config.queue.kind === 'database' && config.database.kind !== 'postgres';
  if (!config.roles.includes('worker') && embeddedQueue) {
    log.warn('no worker role on the embedded database: queued jobs wait until a process with it starts');
  }
  const worker: JobWorker | undefined = config.roles.includes('worker') ? await startWorker(deps) : undefined;
  // The selection planner (issue 13), opt-in: every process runs the loop, one plans at a time,
  // solving on a worker thread so a solve never stalls requests.
  const lpThread = createLpThread();
  const planner: SelectionPlanner | undefined = config.ads.planner.enabled
    ? createSelectionPlanner(deps, {
        intervalMs: config.ads.planner.intervalMs,
        checkMs: config.ads.planner.checkMs,
        now: () => deps.clock.now(),
        solve: (model) => lpThread.solve(model, { timeLimitSeconds: 30 }),
        log: log.child({ component: 'planner' }),
      })
    : undefined;
  planner?.start();
  // The Telegram bot runs here when TELEGRAM_BOT_TOKEN is set, talking to this API over HTTP; in a
  // cluster in slot 0 only, since Telegram answers one poller per token.
  const bot: EmbeddedBot =
    botConfig && (slot === undefined || slot === 0)
      ? (await import('@adnova/bot/embedded')).prepareEmbeddedBot(botConfig, log, {
          apiRole: config.roles.includes('api'),
        })
      : {
          apiToken: botApiToken,
          async start() {
            if (!botConfig)
              log.child({ component: 'bot' }).info('Telegram bot disabled: set TELEGRAM_BOT_TOKEN');
          },
          async stop() {},
        };
  // In a cluster, `/metrics` answers for every worker (summed by the primary).
  const appDeps = slot === undefined ? deps : { ...deps, metrics: clusterWorkerMetrics(deps.metrics) };
  const app: FastifyInstance | undefined = config.roles.includes('api')
    ? await buildApp(appDeps, { botApiToken: bot.apiToken })
    : undefined;

  const warming = new AbortController();
  let stopping = false;
  // Graceful and bounded (spec §8 #41): stop accepting, let in-flight requests and jobs finish,
  // close the pools; a dependency that is gone (PostgreSQL, Redis) cannot hold the exit past the bound.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, boundMs: config.shutdownTimeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error(
        { boundMs: config.shutdownTimeoutMs },
        'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting anyway',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    let code = 0;
    warming.abort();
    try {
      await bot.stop();
      await app?.close();
      await worker?.close();
      await planner?.stop();
      await lpThread.close();
      await deps.close();
      log.info('shut down');
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      code = 1;
    } finally {
      process.exit(code);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  if (worker)
    log[slot === undefined ? 'info' : 'debug'](`AdNova worker running (${config.queue.kind} queue)`);
  if (app) {
    await app.listen({ host: config.http.host, port: config.http.port });
    // A cluster worker's start is announced by the primary, once for all.
    log[slot === undefined ? 'info' : 'debug'](
      `AdNova API on ${config.http.publicBaseUrl} (docs at ${config.http.publicBaseUrl}/docs, admin at ${config.http.publicBaseUrl}/admin/)`,
    );
    // Known clients' profiles into the cache, in the background: first requests then take one
    // database round trip (issue 14).
    void warmClientProfiles(deps, await getCurrentDay(deps.db), warming.signal).catch((error: unknown) =>
      log.warn({ err: error }, 'client profile warming stopped'),
    );
  }
  await bot.start(app ? app.server.address() : null);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
