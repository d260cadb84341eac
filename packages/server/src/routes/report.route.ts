import type { Deps } from '@adnova/core/deps';
import { createReport } from '@adnova/core/reports/reports';
import { CreateReportBody, ReportAcceptedSchema } from '@adnova/core/reports/reports.schema';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);

export const reportRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/report/:campaignId',
    {
      schema: {
        tags: ['Reports'],
        summary: 'Report an ad',
        description:
          'A client complains about an ad it was shown. The report is stored for moderators (state "s", sent) and the ad title and text are queued for LLM moderation, whose verdict lands in the report\'s flagged_by_llm. 404 for an unknown campaign (checked first) or client; 403 when the client was never shown the ad; 409 when this client already reported it; 400 for a blank message.',
        params: Type.Object({ campaignId: Uuid('The reported ad (= campaign id).') }),
        body: refTo(CreateReportBody),
        response: { 200: refTo(ReportAcceptedSchema), 400: error, 403: error, 404: error, 409: error },
      },
    },
    async (request) => createReport(deps, request.params.campaignId, request.body),
  );
};
