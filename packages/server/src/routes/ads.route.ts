import { recordClick, serveAd } from '@adnova/core/ads/ads';
import { AdSchema, ClickBody, GetAdQuery } from '@adnova/core/ads/ads.schema';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);

export const adsRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/ads',
    {
      schema: {
        tags: ['Ads'],
        summary: 'Pick an ad for a client and record the impression',
        description:
          'Only campaigns active today whose targeting matches the client; never over impressions_limit; a campaign that reached clicks_limit is not served. 404 when nothing is eligible, and 404 with a Retry-After header when the ads throttle refuses this viewer (client, IP and User-Agent over the impression threshold in the scope, or blocked by an administrator); a throttled request records no impression.',
        querystring: GetAdQuery,
        response: {
          200: refTo(AdSchema),
          400: error,
          404: {
            ...error,
            description:
              'Unknown client, nothing eligible, or throttled (then with Retry-After unless blocked without expiry).',
            headers: {
              'Retry-After': Type.Integer({
                description:
                  'Seconds until the throttle shows ads to this viewer again (throttled requests only).',
              }),
            },
          },
        },
      },
    },
    async (request) =>
      serveAd(deps, {
        clientId: request.query.client_id,
        scope: request.query.scope,
        remoteAddress: request.ip,
        headers: request.headers,
      }),
  );

  app.post(
    '/ads/:adId/click',
    {
      schema: {
        tags: ['Ads'],
        summary: 'Record a click',
        description: 'Idempotent. 403 when the client was never shown the ad.',
        params: Type.Object({ adId: Uuid() }),
        body: ClickBody,
        response: { 204: Type.Null(), 400: error, 403: error, 404: error },
      },
    },
    async (request, reply) => {
      await recordClick(deps, request.params.adId, request.body.client_id);
      return reply.code(204).send(null);
    },
  );
};
