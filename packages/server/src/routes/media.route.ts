import { getStoredImage } from '@adnova/core/campaigns/ad-image';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/**
 * Stored campaign images (spec §7.1): the `ad_image` links of disk storage point here. With S3 the
 * links point at the bucket, and this route still serves the same objects through the API.
 */
export const mediaRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/media/*',
    {
      schema: {
        tags: ['Campaigns'],
        summary: 'A stored campaign image',
        description:
          'The bytes of an image stored by `POST …/ad_image`, with the content type of its decoded format. Public, cacheable forever (keys are never reused).',
        params: Type.Object({
          '*': Type.String({ description: 'The storage key, e.g. campaigns/{campaign_id}/{id}.png' }),
        }),
        response: {
          200: {
            description: 'The image.',
            content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
          },
          404: refTo(ErrorSchema),
        },
      },
    },
    async (request, reply) => {
      const image = await getStoredImage(deps, request.params['*']);
      reply
        .type(image.contentType)
        .header('X-Content-Type-Options', 'nosniff')
        // Served from the API's origin: even a browser opening the URL directly runs nothing.
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .header('Cache-Control', 'public, max-age=31536000, immutable');
      if (image.size !== undefined) reply.header('Content-Length', String(image.size));
      return reply.send(image.body);
    },
  );
};
