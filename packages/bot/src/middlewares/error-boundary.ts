import { type BotError, GrammyError } from 'grammy';
import type { Logger } from 'pino';
import { ApiError, ApiUnavailableError } from '../api/adnova-api.ts';
import type { BotContext } from '../context.ts';
import { escapeHtml } from '../format.ts';
import { catalogues, type Messages } from '../i18n/i18n.ts';

/**
 * The error itself, or the one a plain `Error` wraps as its `cause` (the conversations plugin wraps
 * a failed Bot API call that way). Typed errors (`ApiError`, `GrammyError`…) are kept as they are.
 */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (!(current instanceof Error) || current.constructor !== Error || current.cause === undefined) break;
    current = current.cause;
  }
  return current;
}

/** Editing a message into exactly what it already shows: harmless (a double tap), not an error. */
const isNotModified = (error: unknown): boolean =>
  error instanceof GrammyError && error.description.includes('message is not modified');

type Explained = { text: string; level: 'warn' | 'error' | undefined };

/** What to tell the user about a failure, and how loudly to log it. */
export function explainError(error: unknown, m: Messages): Explained {
  if (error instanceof ApiError) {
    const detail = escapeHtml(error.detail);
    if (error.status === 400 || error.status === 409 || error.status === 413) {
      return { text: m.errors.invalidData(detail), level: undefined };
    }
    if (error.status === 403) return { text: m.errors.forbidden(detail), level: undefined };
    if (error.status === 404) return { text: m.errors.notFound, level: undefined };
    // The API refused the bot's own credentials: an operator must fix BOT_API_TOKEN.
    if (error.status === 401) return { text: m.errors.misconfigured, level: 'error' };
    return { text: m.errors.unavailable, level: 'warn' };
  }
  if (error instanceof ApiUnavailableError) return { text: m.errors.unavailable, level: 'warn' };
  return { text: m.errors.internal, level: 'error' };
}

/**
 * The last resort of every feature: turns any failure into a clear reply (never silence) and a
 * log line with the update id. A tapped button's spinner is stopped as well.
 */
export function errorReply(log: Logger) {
  return async (err: BotError<BotContext>): Promise<void> => {
    const { ctx } = err;
    const error = rootCause(err.error);
    if (isNotModified(error)) {
      await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    // The catalogue may be unset when the failure came before the i18n middleware.
    const m = (ctx as Partial<BotContext>).m ?? catalogues.en;
    const { text, level } = explainError(error, m);
    if (level) log[level]({ err: error, update_id: ctx.update.update_id }, 'update failed');
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    if (ctx.chat === undefined) return;
    try {
      await ctx.reply(text, { parse_mode: 'HTML' });
    } catch (replyError) {
      log.error({ err: replyError, update_id: ctx.update.update_id }, 'could not send the error message');
    }
  };
}
