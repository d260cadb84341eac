import type { Deps } from '@adnova/core/deps';
import { ErrorSchema, refTo, Uuid } from '@adnova/core/shared/schema';
import {
  checkBotToken,
  createLinkCode,
  deleteTelegramLink,
  getTelegramLink,
  linkTelegramAccount,
} from '@adnova/core/telegram/telegram';
import {
  CreateTelegramLinkBody,
  LinkCodeSchema,
  TelegramLinkSchema,
  TelegramUserId,
} from '@adnova/core/telegram/telegram.schema';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const error = refTo(ErrorSchema);
const link = refTo(TelegramLinkSchema);
const AdvertiserParams = Type.Object({ advertiserId: Uuid() });
const TelegramUserParams = Type.Object({ telegramUserId: TelegramUserId });
/** Optional in the schema so a missing token gets the 401 of `checkBotToken`, not a 400. */
const BotHeaders = Type.Object({
  'x-bot-token': Type.Optional(
    Type.String({ description: 'Required: the shared secret `BOT_API_TOKEN` of the API and the bot.' }),
  ),
});

export type TelegramRoutesOptions = {
  deps: Deps;
  /**
   * The shared secret the bot sends in `X-Bot-Token`; undefined makes the bot-only endpoints
   * refuse every call (401).
   */
  botApiToken: string | undefined;
};

/**
 * Telegram account binding (issue 7): advertisers get a one-time link code here (public, like the
 * rest of the API), the bot spends it and manages bindings through the `/telegram/links`
 * endpoints, which only the bot may call.
 */
export const telegramRoutes: FastifyPluginAsyncTypebox<TelegramRoutesOptions> = async (
  app,
  { deps, botApiToken },
) => {
  app.post(
    '/advertisers/:advertiserId/link_codes',
    {
      schema: {
        tags: ['Telegram'],
        summary: 'Issue a one-time Telegram link code',
        description:
          'The advertiser sends the code to the AdNova Telegram bot (or opens `https://t.me/<bot>?start=<code>`) to manage campaigns from Telegram. Valid for 15 minutes, once; only its hash is stored.',
        params: AdvertiserParams,
        response: { 201: refTo(LinkCodeSchema), 400: error, 404: error },
      },
    },
    async (request, reply) => reply.code(201).send(await createLinkCode(deps, request.params.advertiserId)),
  );

  await app.register(botOnlyRoutes, { deps, botApiToken });
};

/** The `/telegram/links` endpoints, behind the shared-secret check (an encapsulated hook). */
const botOnlyRoutes: FastifyPluginAsyncTypebox<TelegramRoutesOptions> = async (
  bot,
  { deps, botApiToken },
) => {
  bot.addHook('onRequest', async (request) => {
    const given = request.headers['x-bot-token'];
    checkBotToken(botApiToken, typeof given === 'string' ? given : undefined);
  });

  bot.post(
    '/telegram/links',
    {
      schema: {
        tags: ['Telegram'],
        summary: 'Bind a Telegram account with a link code (bot only)',
        description:
          'Spends the code and binds the account to its advertiser, replacing an earlier binding of that account. 404 for a malformed, unknown or expired code, 409 for a used one.',
        headers: BotHeaders,
        body: refTo(CreateTelegramLinkBody),
        response: { 200: link, 400: error, 401: error, 404: error, 409: error },
      },
    },
    async (request) => linkTelegramAccount(deps, request.body),
  );

  bot.get(
    '/telegram/links/:telegramUserId',
    {
      schema: {
        tags: ['Telegram'],
        summary: 'The advertiser a Telegram account acts for (bot only)',
        headers: BotHeaders,
        params: TelegramUserParams,
        response: { 200: link, 400: error, 401: error, 404: error },
      },
    },
    async (request) => getTelegramLink(deps, request.params.telegramUserId),
  );

  bot.delete(
    '/telegram/links/:telegramUserId',
    {
      schema: {
        tags: ['Telegram'],
        summary: 'Unbind a Telegram account (bot only)',
        headers: BotHeaders,
        params: TelegramUserParams,
        response: { 204: Type.Null(), 400: error, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      await deleteTelegramLink(deps, request.params.telegramUserId);
      return reply.code(204).send(null);
    },
  );
};
