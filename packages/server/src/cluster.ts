import cluster, { type Worker } from 'node:cluster';
import type { Config } from '@adnova/core/config';
import type { Deps } from '@adnova/core/deps';
import { AppError } from '@adnova/core/errors';
import type { Metrics } from '@adnova/core/metrics/metrics';
import { type Aggregator, AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

/**
 * `ADNOVA_WORKERS=N` (issue 14): N API processes sharing one port through node:cluster. The
 * primary applies the migrations once (main.ts), forks the workers, restarts one that dies,
 * answers their `/metrics` with the sum over all of them, and on SIGTERM/SIGINT stops them within
 * `SHUTDOWN_TIMEOUT_MS`. Workers run main.ts as a single process would, with three differences:
 * they only verify migrations, only the worker in slot 0 polls Telegram, and `/metrics` asks the
 * primary.
 */

type Log = Deps['log'];

/** A worker's slot, 0..N-1, in its environment; a restarted worker takes over its predecessor's. */
const SLOT_ENV = 'ADNOVA_CLUSTER_SLOT';
/** The first restart of a slot waits this long, each further one within a minute twice as long. */
const RESTART_DELAY_MS = 250;
/** A slot restarted this often within a minute is crash-looping: the primary stops everything. */
const MAX_RESTARTS_PER_MINUTE = 5;
/** How long the primary waits for one worker's metrics, and a worker for the primary's sum. */
const WORKER_METRICS_TIMEOUT_MS = 2000;
const CLUSTER_METRICS_TIMEOUT_MS = 5000;

/** The IPC messages between the primary and its workers (besides node:cluster's own). */
type Message =
  /** worker → primary: the cluster's metrics, please; primary → worker: here they are. */
  | { type: 'adnova:cluster-metrics'; id: number; text?: string; error?: string }
  /** primary → worker: your registry as JSON, please; worker → primary: here it is. */
  | { type: 'adnova:worker-metrics'; id: number; metrics?: unknown[]; error?: string };

function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('adnova:') &&
    typeof (value as { id?: unknown }).id === 'number'
  );
}

/** This process's slot when it is a worker forked by `runPrimary`, else undefined. */
export function clusterSlot(): number | undefined {
  if (!cluster.isWorker) return undefined;
  // biome-ignore lint/style/noProcessEnv: set by the primary for its forks, not configuration.
  const slot = Number(process.env[SLOT_ENV]);
  return Number.isInteger(slot) && slot >= 0 ? slot : undefined;
}

/**
 * How many API processes to run for `config`: `ADNOVA_WORKERS`, except on the embedded database
 * (single-process) and without the api role (the cluster shares an HTTP port), with the reasons
 * logged. PostgreSQL without Redis may run several, with a warning.
 */
export function plannedWorkers(config: Config, log: Log): number {
  const n = config.workers;
  if (n <= 1) return 1;
  if (config.database.kind !== 'postgres') {
    log.warn(`ADNOVA_WORKERS=${n} ignored: the embedded PGlite database is single-process`);
    return 1;
  }
  if (!config.roles.includes('api')) {
    log.info(
      `one process: ADNOVA_WORKERS=${n} applies to the api role, not to ADNOVA_ROLES=${config.roles.join(',')}`,
    );
    return 1;
  }
  if (config.cache.kind !== 'redis')
    log.warn(
      `ADNOVA_WORKERS=${n} without REDIS_URL: the ads throttle counters, login and rate limits and the cache live in process memory, so each of the ${n} workers counts on its own (set REDIS_URL to share them)`,
    );
  return n;
}

/**
 * In a worker: answers the primary's requests for this process's metrics, and returns the
 * `Metrics` to serve at `/metrics`, whose registry renders the whole cluster's sum, asked of the
 * primary. The counters and gauges themselves stay this process's.
 */
export function clusterWorkerMetrics(metrics: Metrics): Metrics {
  let nextId = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'adnova:worker-metrics') {
      metrics.registry.getMetricsAsJSON().then(
        (json) =>
          process.send?.({
            type: 'adnova:worker-metrics',
            id: message.id,
            metrics: json.map((metric) => {
              const aggregator = AGGREGATORS[metric.name];
              return aggregator ? { ...metric, aggregator } : metric;
            }),
          } satisfies Message),
        (error: unknown) =>
          process.send?.({
            type: 'adnova:worker-metrics',
            id: message.id,
            error: String(error),
          } satisfies Message),
      );
    } else {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.text !== undefined) waiting.resolve(message.text);
      else waiting.reject(new Error(message.error ?? 'no answer'));
    }
  });
  const ask = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no answer from the primary within ${CLUSTER_METRICS_TIMEOUT_MS} ms`));
      }, CLUSTER_METRICS_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      if (!process.send) reject(new Error('no IPC channel to the primary'));
      else process.send({ type: 'adnova:cluster-metrics', id } satisfies Message);
    }).catch((error: unknown) => {
      // 503 rather than this worker's share alone: a scrape of one worker would look to
      // Prometheus like counters going backwards.
      throw new AppError('UNAVAILABLE', `Cluster metrics unavailable: ${(error as Error).message}`);
    });
  class ClusterRegistry extends Registry {
    override metrics(): Promise<string> {
      return ask();
    }
  }
  return { ...metrics, registry: new ClusterRegistry() };
}

/**
 * How the cluster's sum treats a series every worker reports alike (the default is to add them
 * up): the queue's depth is the database's or Redis's, the same for all; the plan version is each
 * worker's own, and the oldest in use is the one worth watching.
 */
const AGGREGATORS: Record<string, Aggregator> = {
  adnova_queue_jobs: 'max',
  adnova_selection_plan_version: 'min',
};

type Slot = {
  index: number;
  worker: Worker | undefined;
  /** Listening: it takes connections and answers metrics requests. */
  ready: boolean;
  /** When this slot was restarted, the last minute's. */
  restarts: number[];
  timer: NodeJS.Timeout | undefined;
};

export type PrimaryOptions = {
  config: Config;
  log: Log;
  workers: number;
  /** Extra environment of every worker (BOT_API_TOKEN shared by all when the bot is on). */
  env: Record<string, string>;
};

/**
 * The primary: forks `workers` processes running this same program, keeps them running, and stops
 * them on SIGTERM/SIGINT. Exits the process: 0 when every worker shut down cleanly within
 * `SHUTDOWN_TIMEOUT_MS`, 1 otherwise (or when a slot crash-loops).
 */
export function runPrimary({ config, log, workers, env }: PrimaryOptions): void {
  const slots: Slot[] = Array.from({ length: workers }, (_, index) => ({
    index,
    worker: undefined,
    ready: false,
    restarts: [],
    timer: undefined,
  }));
  const bySlot = new Map<Worker, Slot>();
  let stopping = false;
  let announced = false;
  let exitCode = 0;

  // The primary's own series, added to the workers' sum.
  const own = new Registry();
  new Gauge({
    name: 'adnova_cluster_workers',
    help: 'API worker processes listening (ADNOVA_WORKERS)',
    registers: [own],
    collect() {
      this.set(slots.filter((s) => s.ready).length);
    },
  });
  const restartsTotal = new Counter({
    name: 'adnova_cluster_worker_restarts_total',
    help: 'API worker processes restarted by the primary after an unexpected exit',
    registers: [own],
  });

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    slot.ready = false;
    // Workers only verify the migrations the primary applied; one of them polls Telegram.
    const worker = cluster.fork({ ...env, [SLOT_ENV]: String(slot.index), DATABASE_MIGRATE: 'false' });
    slot.worker = worker;
    bySlot.set(worker, slot);
  };

  cluster.on('listening', (worker) => {
    const slot = bySlot.get(worker);
    if (!slot) return;
    slot.ready = true;
    log.info({ slot: slot.index, pid: worker.process.pid }, 'worker listening');
    if (!announced && slots.every((s) => s.ready)) {
      announced = true;
      const base = config.http.publicBaseUrl;
      log.info(`AdNova API on ${base} (${workers} workers; docs at ${base}/docs, admin at ${base}/admin/)`);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = bySlot.get(worker);
    if (!slot) return;
    bySlot.delete(worker);
    const wasReady = slot.ready;
    slot.worker = undefined;
    slot.ready = false;
    const pid = worker.process.pid;
    if (stopping) {
      // A worker still starting has no SIGTERM handler yet and dies of the signal: nothing was lost.
      const clean = code === 0 || (signal === 'SIGTERM' && !wasReady);
      if (!clean) {
        exitCode = 1;
        log.error({ slot: slot.index, pid, code, signal }, 'worker did not shut down cleanly');
      }
      if (slots.every((s) => s.worker === undefined)) finish();
      return;
    }
    const now = Date.now();
    slot.restarts = slot.restarts.filter((at) => now - at < 60_000);
    if (slot.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      log.fatal(
        { slot: slot.index, pid, code, signal, restarts: slot.restarts.length },
        `worker exited again after ${MAX_RESTARTS_PER_MINUTE} restarts within a minute; stopping`,
      );
      exitCode = 1;
      stop('crash loop');
      return;
    }
    const delayMs = RESTART_DELAY_MS * 2 ** slot.restarts.length;
    slot.restarts.push(now);
    restartsTotal.inc();
    log.error(
      { slot: slot.index, pid, code, signal, restartInMs: delayMs },
      'worker exited unexpectedly; restarting it',
    );
    slot.timer = setTimeout(() => fork(slot), delayMs);
  });

  // `/metrics` of any worker: every listening worker's registry and the primary's, summed by
  // prom-client's AggregatorRegistry. A worker that does not answer in time is left out of this
  // scrape (its counters reappear with the next), rather than failing it.
  let nextId = 0;
  const asked = new Map<number, (metrics: unknown[] | undefined) => void>();
  const workerMetrics = (worker: Worker) =>
    new Promise<unknown[] | undefined>((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        asked.delete(id);
        log.warn({ pid: worker.process.pid }, 'worker metrics: no answer in time; left out of this scrape');
        resolve(undefined);
      }, WORKER_METRICS_TIMEOUT_MS);
      asked.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      worker.send({ type: 'adnova:worker-metrics', id } satisfies Message);
    });
  const clusterMetrics = async (): Promise<string> => {
    const listening = slots.flatMap((s) => (s.ready && s.worker?.isConnected() ? [s.worker] : []));
    const answers = await Promise.all(listening.map(workerMetrics));
    const registries: object[] = answers.filter((a): a is unknown[] => a !== undefined);
    registries.push(await own.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(registries).metrics();
  };
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'adnova:worker-metrics') {
      const resolve = asked.get(message.id);
      asked.delete(message.id);
      if (message.error) log.warn({ pid: worker.process.pid, err: message.error }, 'worker metrics failed');
      resolve?.(message.error ? undefined : message.metrics);
    } else {
      clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: message.type, id: message.id, text }),
        (error: unknown) =>
          worker.isConnected() && worker.send({ type: message.type, id: message.id, error: String(error) }),
      );
    }
  });

  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    log.info({ code: exitCode }, 'shut down');
    process.exit(exitCode);
  };
  // Bounded like a single process (spec §8 #41): SIGTERM to every worker, which stops accepting,
  // finishes its requests and jobs and closes its pools; whoever is left at the bound is killed.
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, boundMs: config.shutdownTimeoutMs }, 'shutting down: stopping the workers');
    setTimeout(() => {
      const left = slots.flatMap((s) => (s.worker ? [s.worker] : []));
      log.error(
        { boundMs: config.shutdownTimeoutMs, pids: left.map((w) => w.process.pid) },
        'workers did not exit within SHUTDOWN_TIMEOUT_MS; killing them',
      );
      for (const worker of left) worker.process.kill('SIGKILL');
      exitCode = 1;
      finished = true;
      process.exit(1);
    }, config.shutdownTimeoutMs);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.worker?.process.kill('SIGTERM');
    }
    if (slots.every((s) => s.worker === undefined)) finish();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  for (const slot of slots) fork(slot);
}
