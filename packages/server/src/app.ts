import { randomUUID } from 'node:crypto';
import type { Deps } from '@adnova/core/deps';
import type { HealthCheck } from '@adnova/core/health/health';
import { UUID_PATTERN } from '@adnova/core/shared/schema';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { adminPlugin } from './admin/admin.plugin.ts';
import { docsPlugin } from './http/docs.ts';
import { errorHandler } from './http/errors.ts';
import { clientErrorHandler, frameworkErrors, httpLayerPlugin } from './http/framework-errors.ts';
import { metricsPlugin } from './http/metrics.ts';
import { notFoundPlugin } from './http/not-found.ts';
import { overloadPlugin } from './http/overload.ts';
import { API_SCHEMAS } from './http/schemas.ts';
import { schemaController } from './http/validation.ts';
import { adImageRoutes } from './routes/ad-image.route.ts';
import { adsRoutes } from './routes/ads.route.ts';
import { advertisersRoutes } from './routes/advertisers.route.ts';
import { campaignsRoutes } from './routes/campaigns.route.ts';
import { clientsRoutes } from './routes/clients.route.ts';
import { generateRoutes } from './routes/generate.route.ts';
import { healthRoutes } from './routes/health.route.ts';
import { mediaRoutes } from './routes/media.route.ts';
import { reportRoutes } from './routes/report.route.ts';
import { statsRoutes } from './routes/stats.route.ts';
import { telegramRoutes } from './routes/telegram.route.ts';
import { timeRoutes } from './routes/time.route.ts';

export const VERSION = '0.1.0';

const UUID = new RegExp(UUID_PATTERN);

export type AppOptions = {
  extraHealthChecks?: HealthCheck[];
  /**
   * The shared secret of the bot-only `/telegram/links` endpoints (`BOT_API_TOKEN`); without it
   * they refuse every call.
   */
  botApiToken?: string;
};

/** Fastify takes a hop count as a function of the hop index. */
function trustProxyOption(trust: boolean | number | string[]) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

/** The HTTP shell over the domain: every route registered by name, errors mapped in one place. */
export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { timeouts } = deps.config.http;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.http.bodyLimit,
    // Time bounds (spec §8 #41): a client must send its whole request within `requestMs` (a
    // slow-body client no longer holds a socket for minutes), and a request not answered within
    // `handlerMs` gets 503 with its `request.signal` aborted. Node checks the socket bounds every
    // `connectionsCheckingInterval`, 30 s by default, which would stretch them; once a second here.
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    handlerTimeout: timeouts.handlerMs,
    http: {
      headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
      connectionsCheckingInterval: 1000,
      // httpLayerPlugin answers a Host-less HTTP/1.1 request with the standard 400 body instead.
      requireHostHeader: false,
    },
    // Plugins read files and the database at start; on a busy machine Fastify's 10 s default was
    // seen to fail (`Plugin did not start in time`), so give them a minute.
    pluginTimeout: 60_000,
    trustProxy: trustProxyOption(deps.config.http.trustProxy),
    schemaController,
    // Router and HTTP-parser refusals get the standard error body too (spec §1.3).
    frameworkErrors,
    clientErrorHandler,
    // Echo a valid caller-supplied correlation id, otherwise make one (spec §1.1).
    genReqId: (req) => {
      const given = req.headers['correlation-id'];
      return typeof given === 'string' && UUID.test(given) ? given : randomUUID().replaceAll('-', '');
    },
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'correlation_id',
      disableRequestLogging: deps.config.env === 'production',
    }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Correlation-ID', request.id);
  });
  app.setErrorHandler(errorHandler);
  // Graceful close: Fastify closes the connections idle when it starts; a keep-alive connection
  // whose request was still in flight goes idle later and would hold the close until its
  // keep-alive timeout, so idle connections are reaped until the close ends.
  let reaper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    reaper = setInterval(() => app.server.closeIdleConnections(), 100);
  });
  app.addHook('onClose', async () => clearInterval(reaper));

  for (const schema of API_SCHEMAS) app.addSchema(schema);

  await app.register(cors, {
    origin:
      deps.config.http.corsOrigin === '*' ? '*' : deps.config.http.corsOrigin.split(',').map((s) => s.trim()),
    exposedHeaders: ['Correlation-ID', 'X-Total-Count', 'Retry-After'],
    // An OPTIONS request without Origin or Access-Control-Request-Method is not a preflight; strict
    // mode answered it 400 in plain text, the one error body of the API without `detail`.
    strictPreflight: false,
  });
  // First, so an overloaded process refuses work before parsing or validating anything.
  await app.register(overloadPlugin, {
    config: deps.config.http,
    metrics: deps.metrics,
    redis: deps.cache.redis,
    keyPrefix: deps.config.throttle.keyPrefix,
  });
  await app.register(notFoundPlugin);
  await app.register(httpLayerPlugin);
  await app.register(metricsPlugin, { metrics: deps.metrics });
  await app.register(docsPlugin, { version: VERSION });

  await app.register(clientsRoutes, { deps });
  await app.register(advertisersRoutes, { deps });
  await app.register(campaignsRoutes, { deps });
  await app.register(adImageRoutes, { deps });
  await app.register(mediaRoutes, { deps });
  await app.register(adsRoutes, { deps });
  await app.register(statsRoutes, { deps });
  await app.register(timeRoutes, { deps });
  await app.register(telegramRoutes, { deps, botApiToken: options.botApiToken });
  await app.register(generateRoutes, { deps });
  await app.register(reportRoutes, { deps });
  await app.register(healthRoutes, { deps, extraChecks: options.extraHealthChecks ?? [] });
  // The admin panel (issue 6): HTML pages with their own cookies, CSRF and error pages, all scoped to /admin.
  await app.register(adminPlugin, { deps, prefix: '/admin' });

  await app.ready();
  return app;
}
