import type { NextFunction } from 'grammy';
import type { TelegramLink } from '../api/adnova-api.ts';
import { ApiError } from '../api/adnova-api.ts';
import type { BotContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { catalogues, pickLanguage } from '../i18n/i18n.ts';

/** Sets `ctx.lang`, `ctx.m` and `ctx.account()` for the features. Runs after the session. */
export function contextMiddleware(deps: Pick<BotDeps, 'api'>) {
  return async (ctx: BotContext, next: NextFunction): Promise<void> => {
    ctx.lang = pickLanguage(ctx.from ? ctx.session.language : undefined, ctx.from?.language_code);
    ctx.m = catalogues[ctx.lang];
    let account: Promise<TelegramLink | undefined> | undefined;
    ctx.account = () => {
      const from = ctx.from;
      if (!from) return Promise.resolve(undefined);
      account ??= deps.api.getLink(from.id).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined;
        // Let a later call retry instead of remembering a transient failure.
        account = undefined;
        throw error;
      });
      return account;
    };
    await next();
  };
}

/**
 * The linked advertiser, or undefined after telling the user to log in (the original ignored
 * such commands silently).
 */
export async function requireAccount(ctx: BotContext): Promise<TelegramLink | undefined> {
  const account = await ctx.account();
  if (!account) {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    await ctx.reply(ctx.m.account.notLoggedIn);
  }
  return account;
}
