import { Composer } from 'grammy';
import { ApiError } from '../api/adnova-api.ts';
import type { BotContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { escapeHtml } from '../format.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Could be a link code (10 letters and digits, spaces and dashes aside); the API has the last word. */
const looksLikeCode = (text: string): boolean => /^[A-Za-z0-9]{10}$/.test(text.replace(/[\s-]+/g, ''));

/**
 * Linking (`/start`, a link code sent as a message or as the `/start` payload, the original's
 * advertiser-id login when `BOT_ALLOW_ID_LOGIN` is on) and `/logout`. The binding lives in the
 * API, so it survives restarts and holds for every bot process.
 */
export function accountFeature(deps: BotDeps): Composer<BotContext> {
  const { api } = deps;
  const { allowIdLogin } = deps.config;
  const composer = new Composer<BotContext>();

  const link = async (ctx: BotContext, answer: string): Promise<void> => {
    const from = ctx.from;
    if (!from) return;
    const m = ctx.m.account;
    let code = answer;
    if (UUID.test(answer)) {
      if (!allowIdLogin) {
        await ctx.reply(m.idLoginDisabled);
        return;
      }
      try {
        // The original's login, kept on one path: a code issued for the id and spent at once.
        code = (await api.issueLinkCode(answer)).code;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          await ctx.reply(m.advertiserNotFound);
          return;
        }
        throw error;
      }
    } else if (!looksLikeCode(answer)) {
      await ctx.reply(m.askCode(allowIdLogin), { parse_mode: 'HTML' });
      return;
    }
    try {
      const linked = await api.link(code, from.id);
      await ctx.reply(m.linked(escapeHtml(linked.advertiser_name), linked.advertiser_id), {
        parse_mode: 'HTML',
      });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
        await ctx.reply(m.codeUnknown);
        return;
      }
      if (error instanceof ApiError && error.status === 409) {
        await ctx.reply(m.codeUsed);
        return;
      }
      throw error;
    }
  };

  composer.command('start', async (ctx) => {
    const payload = ctx.match.trim();
    if (payload !== '') return link(ctx, payload);
    const account = await ctx.account();
    if (account) {
      await ctx.reply(
        ctx.m.account.alreadyLinked(escapeHtml(account.advertiser_name), account.advertiser_id),
        {
          parse_mode: 'HTML',
        },
      );
      return;
    }
    await ctx.reply(ctx.m.account.askCode(allowIdLogin), { parse_mode: 'HTML' });
  });

  composer.command('logout', async (ctx) => {
    const from = ctx.from;
    if (!from) return;
    await ctx.conversation.exitAll();
    try {
      await api.unlink(from.id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        await ctx.reply(ctx.m.account.notLoggedIn);
        return;
      }
      throw error;
    }
    await ctx.reply(ctx.m.account.loggedOut);
  });

  // Text from an account that is not linked yet is a login attempt (the original's login dialog).
  composer.on('message:text', async (ctx, next) => {
    const text = ctx.message.text.trim();
    if (text.startsWith('/') || (await ctx.account())) return next();
    await link(ctx, text);
  });

  return composer;
}
