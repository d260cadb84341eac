import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/**
 * Unknown paths answer 404 and known paths with a wrong method 405 with `Allow`, both with the
 * standard error body (spec §1.1). Fastify alone answers 404 for both, so this plugin mirrors
 * the route table in its own router to tell them apart.
 */
export const notFoundPlugin = fp(
  async (app: FastifyInstance) => {
    const router = FindMyWay({ ignoreTrailingSlash: false });
    const noop = () => {};
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        try {
          router.on(method as HTTPMethod, route.url, noop);
        } catch {
          // Already mirrored (e.g. HEAD added for a GET route).
        }
      }
    });
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter(
        (m) => m !== request.method && router.find(m as HTTPMethod, path) !== null,
      );
      if (allowed.length > 0) {
        return reply.code(405).header('Allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
      }
      return reply.code(404).send({ detail: 'Not Found' });
    });
  },
  { name: 'adnova-not-found' },
);
