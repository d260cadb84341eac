import type { Deps } from '@adnova/core/deps';
import { getAdTextTask, requestAdText } from '@adnova/core/generation/generation';
import { GenerateAdTextBody, GenerationTaskSchema } from '@adnova/core/generation/generation.schema';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);

export const generateRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/generate/ad_text',
    {
      schema: {
        tags: ['Generation'],
        summary: 'Queue the generation of an ad text',
        description:
          'Returns at once with a task id (status PENDING); poll `/generate/ad_text/{task_id}/result`. Both fields non-empty, at most 1000 characters. 503 when the job queue is unavailable.',
        body: refTo(GenerateAdTextBody),
        response: { 200: refTo(GenerationTaskSchema), 400: error, 503: error },
      },
    },
    async (request) => requestAdText(deps, request.body),
  );

  app.get(
    '/generate/ad_text/:taskId/result',
    {
      schema: {
        tags: ['Generation'],
        summary: 'Status and result of a generation task',
        description:
          'status is PENDING (queued), STARTED, RETRY (an attempt failed, another is scheduled; `error` says why), SUCCESS (`result` holds the text) or FAILURE (`error` says why). 404 for an unknown task id, or one whose result expired (kept at least 24 hours).',
        params: Type.Object({ taskId: Uuid('The task id returned by POST /generate/ad_text.') }),
        response: { 200: refTo(GenerationTaskSchema), 400: error, 404: error, 503: error },
      },
    },
    async (request) => getAdTextTask(deps, request.params.taskId),
  );
};
