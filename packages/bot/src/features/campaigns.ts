import { Composer, GrammyError, InputFile } from 'grammy';
import { ApiError, ApiUnavailableError } from '../api/adnova-api.ts';
import type { BotContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { escapeHtml, truncate } from '../format.ts';
import { requireAccount } from '../middlewares/context.ts';
import { cardView, confirmDeleteView, idCallback, listView, type View } from '../views/campaign-views.ts';

const html = (view: View) => ({ parse_mode: 'HTML' as const, reply_markup: view.reply_markup });

/**
 * `/campaigns`: the paginated list, a campaign's card (fields and statistics), deletion with
 * confirmation, and the card's image buttons. Screens replace each other in one message.
 */
export function campaignsFeature(deps: BotDeps): Composer<BotContext> {
  const { api } = deps;
  const composer = new Composer<BotContext>();

  composer.command('campaigns', async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const view = await listView(api, account.advertiser_id, 1, ctx.m);
    await ctx.reply(view.text, html(view));
  });

  composer.callbackQuery(/^cl:(\d+)$/, async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const view = await listView(api, account.advertiser_id, Number(ctx.match[1]), ctx.m);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(view.text, html(view));
  });

  composer.callbackQuery(idCallback('cc'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const view = await cardView(api, account.advertiser_id, ctx.match[1] ?? '', ctx.lang, ctx.m);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(view.text, html(view));
  });

  composer.callbackQuery(idCallback('cd'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const view = confirmDeleteView(await api.getCampaign(account.advertiser_id, ctx.match[1] ?? ''), ctx.m);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(view.text, html(view));
  });

  composer.callbackQuery(idCallback('cy'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    await api.deleteCampaign(account.advertiser_id, ctx.match[1] ?? '');
    await ctx.answerCallbackQuery({ text: ctx.m.card.deleted });
    const view = await listView(api, account.advertiser_id, 1, ctx.m);
    await ctx.editMessageText(`${ctx.m.card.deleted}\n\n${view.text}`, html(view));
  });

  composer.callbackQuery(idCallback('cx'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const campaignId = ctx.match[1] ?? '';
    await api.deleteImage(account.advertiser_id, campaignId);
    await ctx.answerCallbackQuery({ text: ctx.m.card.imageDeleted });
    const view = await cardView(api, account.advertiser_id, campaignId, ctx.lang, ctx.m);
    await ctx.editMessageText(view.text, html(view));
  });

  composer.callbackQuery(idCallback('cv'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    const campaign = await api.getCampaign(account.advertiser_id, ctx.match[1] ?? '');
    if (campaign.ad_image === null) {
      await ctx.answerCallbackQuery({ text: ctx.m.card.noImage });
      return;
    }
    await ctx.answerCallbackQuery();
    const caption = ctx.m.card.imageCaption(escapeHtml(truncate(campaign.ad_title, 200)));
    try {
      // Sent as bytes: Telegram's servers may not reach the image URL, which can be a private address.
      const image = await api.downloadImage(campaign.ad_image);
      await ctx.replyWithPhoto(new InputFile(image, 'ad-image'), { caption, parse_mode: 'HTML' });
    } catch (error) {
      // The bot cannot fetch it (storage URL for browsers only) or Telegram refuses the format:
      // the link still lets the advertiser look.
      if (
        !(error instanceof ApiError || error instanceof ApiUnavailableError || error instanceof GrammyError)
      ) {
        throw error;
      }
      deps.log.warn({ err: error, campaign_id: campaign.campaign_id }, 'could not send the campaign image');
      await ctx.reply(ctx.m.card.imageLink(caption, escapeHtml(campaign.ad_image)), { parse_mode: 'HTML' });
    }
  });

  return composer;
}
