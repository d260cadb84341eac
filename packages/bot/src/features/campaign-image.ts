import { createConversation } from '@grammyjs/conversations';
import { Composer } from 'grammy';
import type { BotContext, Dialog, DialogContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { ask, callApi, DIALOG_OPTIONS, dialogKeyboard, expectOk, failure } from '../dialog.ts';
import { escapeHtml } from '../format.ts';
import { catalogues, type Lang } from '../i18n/i18n.ts';
import { requireAccount } from '../middlewares/context.ts';
import { downloadTelegramFile, MAX_IMAGE_BYTES } from '../telegram-files.ts';
import { cardView, idCallback } from '../views/campaign-views.ts';

export const IMAGE_DIALOG = 'uploadImage';

type ImageArgs = { lang: Lang; advertiserId: string; campaignId: string };

/**
 * Attaches an image: the user sends a photo or an image file, the bot fetches it from Telegram
 * and uploads it to the API (multipart `ad_image`, spec §7.1). The API's 400 reasons (too big,
 * not an image) are told and the bot waits for another file.
 */
function imageDialog(deps: BotDeps) {
  return async (conversation: Dialog, ctx: DialogContext, args: ImageArgs): Promise<void> => {
    const m = catalogues[args.lang];
    const { telegram } = deps.config;
    if (telegram.kind !== 'enabled') throw new Error('the bot runs without a Telegram token');
    await ctx.reply(`${m.image.prompt}\n${m.general.cancelHint}`, {
      reply_markup: dialogKeyboard('image', [{ label: m.dialog.cancel, value: 'cancel' }]),
    });
    for (;;) {
      const { answer, ctx: reply } = await ask(conversation, m, 'image', { files: true });
      if (answer.kind === 'button') {
        await reply.reply(m.general.cancelled);
        return;
      }
      if (answer.kind !== 'file' || !(answer.file.mimeType ?? '').startsWith('image/')) {
        await reply.reply(m.image.notImage);
        continue;
      }
      const { file } = answer;
      if (file.size !== undefined && file.size >= MAX_IMAGE_BYTES) {
        await reply.reply(m.image.tooBig);
        continue;
      }
      const { file_path: filePath } = await reply.api.getFile(file.fileId);
      if (filePath === undefined) {
        await reply.reply(m.image.tooBig);
        continue;
      }
      // Download and upload in one recorded step, so the image bytes never enter the dialog's state.
      const uploaded = await callApi(conversation, async () => {
        const data = await downloadTelegramFile(telegram, filePath);
        await deps.api.uploadImage(args.advertiserId, args.campaignId, { data, fileName: file.fileName });
      });
      if (!uploaded.ok && uploaded.status === 400) {
        await reply.reply(m.errors.invalidData(escapeHtml(uploaded.detail)), { parse_mode: 'HTML' });
        continue;
      }
      if (!uploaded.ok) throw failure(uploaded);
      await reply.reply(m.image.uploaded);
      const card = expectOk(
        await callApi(conversation, () =>
          cardView(deps.api, args.advertiserId, args.campaignId, args.lang, m),
        ),
      );
      await reply.reply(card.text, { parse_mode: 'HTML', reply_markup: card.reply_markup });
      return;
    }
  };
}

/**
 * The dialog's middleware. `createBot` installs every dialog right after the conversations
 * plugin, ahead of all handlers, so an open dialog sees each update of its chat first.
 */
export function campaignImageDialog(deps: BotDeps) {
  return createConversation<BotContext, DialogContext>(imageDialog(deps), {
    id: IMAGE_DIALOG,
    ...DIALOG_OPTIONS,
  });
}

/** "⬆️ Upload image" on a card starts the upload dialog; a photo sent outside it gets directions. */
export function campaignImageFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(idCallback('ci'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    await ctx.answerCallbackQuery();
    const args: ImageArgs = {
      lang: ctx.lang,
      advertiserId: account.advertiser_id,
      campaignId: ctx.match[1] ?? '',
    };
    await ctx.conversation.enter(IMAGE_DIALOG, args);
  });
  composer.on(['message:photo', 'message:document'], async (ctx) => {
    if (!(await requireAccount(ctx))) return;
    await ctx.reply(ctx.m.general.photoOutsideDialog);
  });
  return composer;
}
