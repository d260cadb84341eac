import type { RedisClient } from '@adnova/core/cache/redis-connection';
import { limit } from '@grammyjs/ratelimiter';
import type { Context, NextFunction } from 'grammy';
import type { Logger } from 'pino';
import type { BotConfig } from '../config.ts';
import { catalogues, pickLanguage } from '../i18n/i18n.ts';

/**
 * Advertisers manage campaigns one to one: in groups the bot only answers commands, with a
 * pointer to the private chat, so it never talks over a group.
 */
export async function privateChatsOnly(ctx: Context, next: NextFunction): Promise<void> {
  if (ctx.chat === undefined || ctx.chat.type === 'private') return next();
  const m = catalogues[pickLanguage(undefined, ctx.from?.language_code)];
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: m.general.privateOnly });
  else if (ctx.message?.text?.startsWith('/')) await ctx.reply(m.general.privateOnly);
}

/**
 * Flood protection per user: at most `limit` updates per `windowMs` (counted in Redis when the
 * bot store is Redis, so every bot process shares the count). The first update over the limit
 * gets one warning; the others are dropped silently, so a flood is not answered with a flood.
 */
export function floodGuard(
  config: BotConfig['rateLimit'],
  redis: RedisClient | undefined,
  keyPrefix: string,
  log: Logger,
) {
  return limit<Context, RedisClient>({
    timeFrame: config.windowMs,
    limit: config.limit,
    storageClient: redis ?? 'MEMORY_STORE',
    keyPrefix,
    keyGenerator: (ctx) => ctx.from?.id.toString(),
    onLimitExceeded: (ctx) => {
      const m = catalogues[pickLanguage(undefined, ctx.from?.language_code)];
      const warned = ctx.callbackQuery
        ? ctx.answerCallbackQuery({ text: m.general.tooManyRequests })
        : ctx.reply(m.general.tooManyRequests);
      void warned.catch((error: unknown) => log.warn({ err: error }, 'could not send the flood warning'));
    },
  });
}
