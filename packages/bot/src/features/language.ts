import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.ts';
import { catalogues, isLang, LANGS } from '../i18n/i18n.ts';

/** `/language`: switch between English and Russian; the choice is kept in the session. */
export function languageFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('language', async (ctx) => {
    const keyboard = new InlineKeyboard();
    for (const lang of LANGS) keyboard.text(catalogues[lang].languageName, `lang:${lang}`);
    await ctx.reply(ctx.m.language.prompt, { reply_markup: keyboard });
  });
  composer.callbackQuery(/^lang:(\w+)$/, async (ctx) => {
    const lang = ctx.match[1];
    if (!isLang(lang)) {
      await ctx.answerCallbackQuery({ text: ctx.m.general.outdatedButton });
      return;
    }
    ctx.session.language = lang;
    ctx.lang = lang;
    ctx.m = catalogues[lang];
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.m.language.set);
  });
  return composer;
}
