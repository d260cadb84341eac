import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a `GET /ads` request ended. */
export type AdOutcome = 'served' | 'no_fill' | 'throttled' | 'unknown_client';

/**
 * The process's Prometheus metrics (spec §6.3), one registry per process (per `Deps` in tests).
 * Exposed at `GET /metrics`; the names and labels are what the Grafana dashboards query.
 */
export type Metrics = {
  registry: Registry;
  /** HTTP requests by method, route template (never the raw URL) and status code. */
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /**
   * `GET /ads` outcomes (`AdOutcome`): an ad served, nothing eligible (no fill), refused by the
   * throttle, or an unknown client.
   */
  adRequests: Counter<'outcome'>;
  /** Time to select an ad and record its impression, excluding the throttle decision. */
  selectionDuration: Histogram;
  /** Answers of the atomic impression record, including lost races at a cap. */
  impressionRecords: Counter<'outcome'>;
  /**
   * Answers of the serving statement `adnova_serve_ad` (issue 14): served, none, more (the best
   * candidates sent could not be served; all are sent again), stale (ranked with an outdated day,
   * catalog or profile; re-read and ranked again), resync, served_resync, busy (a campaign held
   * by another transaction after the request's resends) or unknown_client. Counted per request:
   * several requests share a statement (`serveGroupSize`). More than one per request only for
   * `more`, `stale`, `resync` and `busy`.
   */
  serveStatements: Counter<'outcome'>;
  /** Requests per serving statement: `GET /ads` requests that arrive together share one. */
  serveGroupSize: Histogram;
  /**
   * Requests refused before any work because the process was overloaded (spec §8 #41), by reason:
   * `eventLoopDelay`, `heapUsedBytes`, `rssBytes`, or `rateLimit` (the optional per-IP limit).
   */
  shedRequests: Counter<'reason'>;
  /** Registers a gauge read at scrape time (database pool, …). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
  /** Registers a gauge with one label, read at scrape time as label value → number (queue depth by status). */
  gaugeByLabel(name: string, help: string, label: string, read: () => Promise<Record<string, number>>): void;
};

/** Latency buckets in seconds, fine below 25 ms where the `GET /ads` target lies. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    adRequests: new Counter({
      name: 'adnova_ad_requests_total',
      help: 'GET /ads requests by outcome: served, no_fill (nothing eligible), throttled or unknown_client',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    selectionDuration: new Histogram({
      name: 'adnova_ad_selection_seconds',
      help: 'Time to select an ad and record its impression (after the throttle decision)',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    impressionRecords: new Counter({
      name: 'adnova_impression_records_total',
      help: 'Answers of the atomic impression record: recorded, seen, impressions_cap, clicks_cap, inactive, gone',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    serveStatements: new Counter({
      name: 'adnova_serve_statements_total',
      help: 'Answers of the serving statement per request: served, served_resync, none, more (all candidates sent again), stale (re-read and ranked again), resync, busy, unknown_client',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    serveGroupSize: new Histogram({
      name: 'adnova_serve_group_requests',
      help: 'GET /ads requests served by one serving statement (requests that arrive together share one)',
      buckets: [1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    shedRequests: new Counter({
      name: 'adnova_shed_requests_total',
      help: 'Requests answered 503/429 at once because the process was overloaded or the client over its rate limit, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
    gaugeByLabel(name, help, label, read) {
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [registry],
        async collect() {
          // A failing backend leaves the series out of this scrape instead of failing /metrics.
          const values = await read().catch(() => ({}) as Record<string, number>);
          this.reset();
          for (const [value, count] of Object.entries(values)) this.set({ [label]: value }, count);
        },
      });
    },
  };
}
