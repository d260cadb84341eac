import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';

/** `/help`: the commands with one line each (spec §7.5). */
export function helpFeature(deps: Pick<BotDeps, 'config'>): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('help', async (ctx) => {
    await ctx.reply(ctx.m.help(deps.config.allowIdLogin), { parse_mode: 'HTML' });
  });
  return composer;
}
