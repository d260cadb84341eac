import type { FastifyInstance } from 'fastify';
import { STATIC_FILES } from '../static.ts';

/** The admin's stylesheet, script and htmx; public, cacheable (their URLs carry versions). */
export async function staticRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { file: string } }>(
    '/static/:file',
    { config: { public: true } },
    async (request, reply) => {
      const asset = STATIC_FILES.get(request.params.file);
      if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
      return reply
        .type(asset.contentType)
        .header('Cache-Control', 'public, max-age=31536000, immutable')
        .send(asset.body);
    },
  );
}
