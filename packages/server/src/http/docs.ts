import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** OpenAPI generated from the route schemas: `/docs` (Swagger UI), `/docs/openapi.json`, `/openapi.json`. */
export const docsPlugin = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'AdNova API',
          version: opts.version,
          description:
            'Advertising platform API: clients, advertisers, ML scores, campaigns, ad selection, clicks, statistics and simulated time. Errors are `{ "detail": … }`. The full contract, its business rules and numbered decisions are in docs/api.md of the AdNova repository.',
        },
        tags: [
          { name: 'Clients' },
          { name: 'Advertisers' },
          { name: 'Campaigns' },
          { name: 'Ads' },
          { name: 'Statistics' },
          { name: 'Time' },
          { name: 'Generation' },
          { name: 'Reports' },
          { name: 'Telegram' },
          { name: 'Operations' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
    const spec = () => app.swagger();
    app.get('/docs/openapi.json', { schema: { hide: true } }, async () => spec());
    app.get('/openapi.json', { schema: { hide: true } }, async () => spec());
  },
  { name: 'adnova-docs' },
);
