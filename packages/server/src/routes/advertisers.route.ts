import { getAdvertiser, upsertAdvertisers } from '@adnova/core/advertisers/advertisers';
import { AdvertiserSchema, UpsertAdvertisersBody } from '@adnova/core/advertisers/advertisers.schema';
import type { Deps } from '@adnova/core/deps';
import { setMlScore } from '@adnova/core/ml-scores/ml-scores';
import { MlScoreSchema } from '@adnova/core/ml-scores/ml-scores.schema';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);

export const advertisersRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/advertisers/bulk',
    {
      schema: {
        tags: ['Advertisers'],
        summary: 'Create or update advertisers',
        description: 'Upsert, all-or-nothing. One entry per distinct id, ordered by its last occurrence.',
        body: UpsertAdvertisersBody,
        response: { 201: Type.Array(refTo(AdvertiserSchema)), 400: error, 413: error },
      },
    },
    async (request, reply) => reply.code(201).send(await upsertAdvertisers(deps, request.body)),
  );

  app.get(
    '/advertisers/:advertiserId',
    {
      schema: {
        tags: ['Advertisers'],
        summary: 'Get an advertiser',
        params: Type.Object({ advertiserId: Uuid() }),
        response: { 200: refTo(AdvertiserSchema), 400: error, 404: error },
      },
    },
    async (request) => getAdvertiser(deps, request.params.advertiserId),
  );

  app.post(
    '/ml-scores',
    {
      schema: {
        tags: ['Advertisers'],
        summary: 'Set the ML score of an advertiser for a client',
        description: 'Upsert per (client, advertiser). A pair without a score counts as 0.',
        body: refTo(MlScoreSchema),
        response: { 200: refTo(MlScoreSchema), 400: error, 404: error },
      },
    },
    async (request) => setMlScore(deps, request.body),
  );
};
