import type { Metrics } from '@adnova/core/metrics/metrics';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * `GET /metrics` in the Prometheus text format (spec §6.3), and the request-duration histogram
 * of every route, labelled by route template so ids never become label values.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { metrics }: { metrics: Metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? '(unmatched)',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['Operations'],
          summary: 'Prometheus metrics',
          description:
            'Request latency by route, GET /ads outcomes (served, no_fill, throttled, unknown_client), ad selection time, impression record outcomes, database pool and process metrics.',
          produces: ['text/plain'],
        },
      },
      async (_request, reply) => {
        const body = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(body);
      },
    );
  },
  { name: 'adnova-metrics' },
);
