import { getHeapStatistics } from 'node:v8';
import type { RedisClient } from '@adnova/core/cache/redis-connection';
import type { Config } from '@adnova/core/config';
import { AppError } from '@adnova/core/errors';
import type { Metrics } from '@adnova/core/metrics/metrics';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Routes that answer whatever the load: orchestrators and Prometheus must still see a busy
 * process as alive and measurable (spec §8 #41).
 */
const ALWAYS_SERVED = new Set(['/livez', '/health', '/metrics']);

/** How often the event-loop delay and memory are sampled, milliseconds. */
const SAMPLE_INTERVAL_MS = 500;

/** The heap a process may fill before it sheds, when `HTTP_SHED_HEAP_USED_BYTES` is unset. */
export function defaultMaxHeapUsedBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.85);
}

const OVERLOADED = { detail: 'Service Unavailable: the server is overloaded; retry later.' };

const alwaysServed = (request: FastifyRequest) => ALWAYS_SERVED.has(request.routeOptions.url ?? '');

/**
 * Load shedding and the optional per-IP rate limit (spec §8 #41). When the event loop lags or
 * memory is high, a request is answered 503 + Retry-After before any work, instead of queueing
 * behind the ones that already wait; `/livez`, `/health` and `/metrics` are exempt. With
 * `HTTP_RATE_LIMIT_MAX` set, each client IP gets that many requests per window (429 +
 * Retry-After beyond), counted in Redis when the platform has one so every process agrees.
 */
export const overloadPlugin = fp(
  async (
    app: FastifyInstance,
    {
      config,
      metrics,
      redis,
      keyPrefix,
    }: { config: Config['http']; metrics: Metrics; redis: RedisClient | undefined; keyPrefix: string },
  ) => {
    const { shed } = config;
    await app.register(underPressure, {
      sampleInterval: SAMPLE_INTERVAL_MS,
      maxEventLoopDelay: shed.maxEventLoopDelayMs,
      maxHeapUsedBytes: shed.maxHeapUsedBytes ?? defaultMaxHeapUsedBytes(),
      maxRssBytes: shed.maxRssBytes,
      pressureHandler: (request, reply, type) => {
        if (alwaysServed(request)) return;
        metrics.shedRequests.inc({ reason: type });
        reply.code(503).header('Retry-After', String(shed.retryAfterSeconds));
        // under-pressure sends a non-null return value as the reply (and continues on undefined);
        // its typings only know the latter.
        return OVERLOADED as unknown as undefined;
      },
    });

    if (config.rateLimit.max > 0) {
      await app.register(rateLimit, {
        max: config.rateLimit.max,
        timeWindow: config.rateLimit.windowSeconds * 1000,
        allowList: (request) => alwaysServed(request),
        // Next to the throttle's keys, under the platform's Redis key prefix.
        ...(redis && { redis, nameSpace: `${keyPrefix}rate-limit:` }),
        // The limiter must not become the outage: with Redis unreachable, requests pass.
        skipOnError: true,
        onExceeded: () => metrics.shedRequests.inc({ reason: 'rateLimit' }),
        // Thrown by the plugin (after it set Retry-After), so the one error table answers 429.
        errorResponseBuilder: (_request, context) =>
          new AppError(
            'RATE_LIMITED',
            `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} seconds.`,
          ),
      });
    }
  },
  { name: 'adnova-overload' },
);
