import {
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
} from '@adnova/core/campaigns/campaigns';
import {
  CampaignSchema,
  CreateCampaignBody,
  ListCampaignsQuery,
  UpdateCampaignBody,
} from '@adnova/core/campaigns/campaigns.schema';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);
const campaign = refTo(CampaignSchema);
const AdvertiserParams = Type.Object({ advertiserId: Uuid() });
const CampaignParams = Type.Object({ advertiserId: Uuid(), campaignId: Uuid() });

export const campaignsRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/advertisers/:advertiserId/campaigns',
    {
      schema: {
        tags: ['Campaigns'],
        summary: 'Create a campaign',
        params: AdvertiserParams,
        body: refTo(CreateCampaignBody),
        response: { 201: campaign, 400: error, 404: error },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createCampaign(deps, request.params.advertiserId, request.body)),
  );

  app.get(
    '/advertisers/:advertiserId/campaigns',
    {
      schema: {
        tags: ['Campaigns'],
        summary: "List an advertiser's campaigns",
        description: 'Ordered by end_date descending, then newest first. `X-Total-Count` carries the total.',
        params: AdvertiserParams,
        querystring: ListCampaignsQuery,
        response: { 200: Type.Array(campaign), 400: error, 404: error },
      },
    },
    async (request, reply) => {
      const { items, total } = await listCampaigns(deps, request.params.advertiserId, request.query);
      return reply.header('X-Total-Count', String(total)).send(items);
    },
  );

  app.get(
    '/advertisers/:advertiserId/campaigns/:campaignId',
    {
      schema: {
        tags: ['Campaigns'],
        summary: 'Get a campaign',
        params: CampaignParams,
        response: { 200: campaign, 400: error, 404: error },
      },
    },
    async (request) => getCampaign(deps, request.params.advertiserId, request.params.campaignId),
  );

  app.put(
    '/advertisers/:advertiserId/campaigns/:campaignId',
    {
      schema: {
        tags: ['Campaigns'],
        summary: 'Update a campaign',
        params: CampaignParams,
        body: refTo(UpdateCampaignBody),
        response: { 200: campaign, 400: error, 403: error, 404: error },
      },
    },
    async (request) =>
      updateCampaign(deps, request.params.advertiserId, request.params.campaignId, request.body),
  );

  app.delete(
    '/advertisers/:advertiserId/campaigns/:campaignId',
    {
      schema: {
        tags: ['Campaigns'],
        summary: 'Delete a campaign with its events',
        params: CampaignParams,
        response: { 204: Type.Null(), 400: error, 404: error },
      },
    },
    async (request, reply) => {
      await deleteCampaign(deps, request.params.advertiserId, request.params.campaignId);
      return reply.code(204).send(null);
    },
  );
};
