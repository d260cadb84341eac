import { advanceTime, getCurrentDay } from '@adnova/core/clock/clock';
import { CurrentDateSchema } from '@adnova/core/clock/clock.schema';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const timeRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/time/advance',
    {
      schema: {
        tags: ['Time'],
        summary: 'Set the current day',
        description: 'The clock never goes back; setting the same day again is allowed.',
        body: refTo(CurrentDateSchema),
        response: { 200: refTo(CurrentDateSchema), 400: refTo(ErrorSchema) },
      },
    },
    async (request) => advanceTime(deps, request.body.current_date),
  );

  app.get(
    '/time',
    {
      schema: {
        tags: ['Time'],
        summary: 'Read the current day (AdNova extension)',
        response: { 200: refTo(CurrentDateSchema) },
      },
    },
    async () => ({ current_date: await getCurrentDay(deps.db) }),
  );
};
