import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';

/**
 * What nothing else handled gets an answer too (the original ignored it): `/cancel` outside a
 * dialog, unknown commands and texts, buttons of screens that no longer exist.
 */
export function fallbackFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('cancel', async (ctx) => {
    await ctx.reply(ctx.m.general.nothingToCancel);
  });
  composer.on('callback_query', async (ctx) => {
    await ctx.answerCallbackQuery({ text: ctx.m.general.outdatedButton });
  });
  composer.on('message', async (ctx) => {
    await ctx.reply(ctx.m.general.notUnderstood);
  });
  return composer;
}
