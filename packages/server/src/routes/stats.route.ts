import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import {
  getAdvertiserDailyStats,
  getAdvertiserStats,
  getCampaignDailyStats,
  getCampaignStats,
} from '@adnova/core/stats/stats';
import {
  type DailySeries,
  DailyStatsSchema,
  DayWindowQuery,
  MAX_DAILY_DAYS,
  StatsSchema,
} from '@adnova/core/stats/stats.schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

const error = refTo(ErrorSchema);
const stats = refTo(StatsSchema);
const daily = {
  ...Type.Array(refTo(DailyStatsSchema)),
  description: `One entry per day of the window, ascending; at most ${MAX_DAILY_DAYS} days.`,
  headers: {
    'X-Total-Count': Type.Integer({
      description:
        'Days in the whole range; sent only when the response holds fewer (the series was cut to its window).',
    }),
  },
};
const WINDOW = `At most ${MAX_DAILY_DAYS} days per response: without from_day/to_day, the last ${MAX_DAILY_DAYS} days of the range; a window is intersected with the range; a wider window or from_day > to_day is 400.`;

/** The window's days; `X-Total-Count` tells a client the series was cut (spec §8 #37). */
function sendSeries(reply: FastifyReply, { days, total }: DailySeries): FastifyReply {
  if (total > days.length) reply.header('X-Total-Count', String(total));
  return reply.send(days);
}
const CampaignParams = Type.Object({ campaignId: Uuid() });
const AdvertiserParams = Type.Object({ advertiserId: Uuid() });

export const statsRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps: all }) => {
  // Statistics read from the replica when one is configured (DATABASE_READ_URL).
  const deps = { db: all.database.readDb };
  app.get(
    '/stats/campaigns/:campaignId',
    {
      schema: {
        tags: ['Statistics'],
        summary: 'Totals for one campaign',
        params: CampaignParams,
        response: { 200: stats, 400: error, 404: error },
      },
    },
    async (request) => getCampaignStats(deps, request.params.campaignId),
  );

  app.get(
    '/stats/campaigns/:campaignId/daily',
    {
      schema: {
        tags: ['Statistics'],
        summary: 'Daily statistics for one campaign',
        description: `From start_date through max(min(end_date, current_date), last event day); never past today. ${WINDOW}`,
        params: CampaignParams,
        querystring: DayWindowQuery,
        response: { 200: daily, 400: error, 404: error },
      },
    },
    async (request, reply) =>
      sendSeries(reply, await getCampaignDailyStats(deps, request.params.campaignId, request.query)),
  );

  for (const [url, deprecated] of [
    ['/stats/advertisers/:advertiserId/campaigns', false],
    ['/stats/advertisers/:advertiserId', true],
  ] as const) {
    app.get(
      url,
      {
        schema: {
          tags: ['Statistics'],
          summary: deprecated ? 'Totals for an advertiser (alias)' : "Totals over an advertiser's campaigns",
          ...(deprecated && {
            deprecated: true,
            description: 'Alias of /stats/advertisers/{advertiserId}/campaigns.',
          }),
          params: AdvertiserParams,
          response: { 200: stats, 400: error, 404: error },
        },
      },
      async (request) => getAdvertiserStats(deps, request.params.advertiserId),
    );
  }

  for (const [url, deprecated] of [
    ['/stats/advertisers/:advertiserId/campaigns/daily', false],
    ['/stats/advertisers/:advertiserId/daily', true],
  ] as const) {
    app.get(
      url,
      {
        schema: {
          tags: ['Statistics'],
          summary: deprecated
            ? 'Daily statistics for an advertiser (alias)'
            : 'Daily statistics for an advertiser',
          description: deprecated
            ? 'Alias of /stats/advertisers/{advertiserId}/campaigns/daily.'
            : `Every day from 0 through current_date. ${WINDOW}`,
          ...(deprecated && { deprecated: true }),
          params: AdvertiserParams,
          querystring: DayWindowQuery,
          response: { 200: daily, 400: error, 404: error },
        },
      },
      async (request, reply) =>
        sendSeries(reply, await getAdvertiserDailyStats(deps, request.params.advertiserId, request.query)),
    );
  }
};
