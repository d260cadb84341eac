import { advanceTime, getCurrentDay } from '@adnova/core/clock/clock';
import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, MAX_INT32, refTo } from '@adnova/core/shared/schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const Time = Type.Object(
  { current_date: Type.Integer({ minimum: 0, maximum: MAX_INT32, description: 'The simulated day.' }) },
  { $id: 'CurrentDate' },
);

export const timeRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.addSchema(Time);
  app.post(
    '/time/advance',
    {
      schema: {
        tags: ['Time'],
        summary: 'Set the current day',
        description: 'The clock never goes back; setting the same day again is allowed.',
        body: refTo(Time),
        response: { 200: refTo(Time), 400: refTo(ErrorSchema) },
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
        response: { 200: refTo(Time) },
      },
    },
    async () => ({ current_date: await getCurrentDay(deps.db) }),
  );
};
