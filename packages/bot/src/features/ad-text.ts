import { createConversation } from '@grammyjs/conversations';
import { Composer } from 'grammy';
import type { AdnovaApi } from '../api/adnova-api.ts';
import type { BotContext, Dialog, DialogContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { ask, callApi, DIALOG_OPTIONS, dialogKeyboard, expectOk, failure } from '../dialog.ts';
import { escapeHtml, truncate } from '../format.ts';
import { catalogues, type Lang, type Messages } from '../i18n/i18n.ts';
import { requireAccount } from '../middlewares/context.ts';
import { cardView, idCallback } from '../views/campaign-views.ts';

export const GENERATE_DIALOG = 'generateAdText';

type Generated = { kind: 'text'; text: string } | { kind: 'failed' } | { kind: 'timeout' };

/** How long the bot waits for a generated text, and how often it asks (spec §7.2 is asynchronous). */
export type GenerationWait = { timeoutMs: number; firstPollMs: number; maxPollMs: number };
export const DEFAULT_GENERATION_WAIT: GenerationWait = {
  timeoutMs: 90_000,
  firstPollMs: 200,
  maxPollMs: 1500,
};

/** The generation endpoint takes at most 1000 characters per field (spec §7.2). */
const MAX_PROMPT_FIELD = 1000;

/** Starts a generation task and polls it until it ends or `wait.timeoutMs` passes. */
export async function generateAdText(
  api: AdnovaApi,
  advertiserName: string,
  title: string,
  wait: GenerationWait,
): Promise<Generated> {
  const task = await api.generateAdText(
    truncate(advertiserName, MAX_PROMPT_FIELD),
    truncate(title, MAX_PROMPT_FIELD),
  );
  const deadline = Date.now() + wait.timeoutMs;
  let delay = wait.firstPollMs;
  for (;;) {
    // Unknown (404) while queued is tolerated: `generation` returns undefined then.
    const current = await api.generation(task.task_id);
    if (current?.status === 'SUCCESS') {
      // SUCCESS without a result is the spec's graceful LLM failure.
      return current.result ? { kind: 'text', text: current.result } : { kind: 'failed' };
    }
    if (current?.status === 'FAILURE' || current?.status === 'REVOKED') return { kind: 'failed' };
    if (Date.now() >= deadline) return { kind: 'timeout' };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, wait.maxPollMs);
  }
}

/**
 * Proposes generated ad texts for `title` until the user accepts one (returned) or gives up
 * (undefined). Used by the creation dialog and by the card's "Generate ad text".
 */
export async function proposeAdText(
  conversation: Dialog,
  ctx: DialogContext,
  deps: Pick<BotDeps, 'api'>,
  wait: GenerationWait,
  m: Messages,
  advertiserName: string,
  title: string,
): Promise<string | undefined> {
  for (;;) {
    await ctx.reply(m.generate.working);
    await ctx.replyWithChatAction('typing');
    const generated = expectOk(
      await callApi(conversation, () => generateAdText(deps.api, advertiserName, title, wait)),
    );
    const choices = [
      { label: m.generate.retry, value: 'retry' },
      { label: m.dialog.cancel, value: 'cancel' },
    ];
    if (generated.kind === 'text') {
      await ctx.reply(m.generate.proposal(escapeHtml(generated.text)), {
        parse_mode: 'HTML',
        reply_markup: dialogKeyboard('gen', [{ label: m.generate.use, value: 'use' }, ...choices]),
      });
    } else {
      await ctx.reply(generated.kind === 'timeout' ? m.generate.timeout : m.generate.failed, {
        reply_markup: dialogKeyboard('gen', choices),
      });
    }
    const { answer } = await ask(conversation, m, 'gen', { text: false });
    if (answer.kind !== 'button' || answer.value === 'cancel') return undefined;
    if (answer.value === 'use' && generated.kind === 'text') return generated.text;
  }
}

type GenerateArgs = { lang: Lang; advertiserId: string; advertiserName: string; campaignId: string };

function generateDialog(deps: BotDeps, wait: GenerationWait) {
  return async (conversation: Dialog, ctx: DialogContext, args: GenerateArgs): Promise<void> => {
    const m = catalogues[args.lang];
    const campaign = expectOk(
      await callApi(conversation, () => deps.api.getCampaign(args.advertiserId, args.campaignId)),
    );
    const text = await proposeAdText(
      conversation,
      ctx,
      deps,
      wait,
      m,
      args.advertiserName,
      campaign.ad_title,
    );
    if (text !== undefined) {
      const saved = await callApi(conversation, () =>
        deps.api.updateCampaign(args.advertiserId, args.campaignId, { ad_text: text }),
      );
      if (!saved.ok) throw failure(saved);
      await ctx.reply(m.generate.saved);
    } else {
      await ctx.reply(m.general.cancelled);
    }
    const card = expectOk(
      await callApi(conversation, () => cardView(deps.api, args.advertiserId, args.campaignId, args.lang, m)),
    );
    await ctx.reply(card.text, { parse_mode: 'HTML', reply_markup: card.reply_markup });
  };
}

/**
 * The dialog's middleware. `createBot` installs every dialog right after the conversations
 * plugin, ahead of all handlers, so an open dialog sees each update of its chat first.
 */
export function adTextDialog(deps: BotDeps, wait: GenerationWait) {
  return createConversation<BotContext, DialogContext>(generateDialog(deps, wait), {
    id: GENERATE_DIALOG,
    ...DIALOG_OPTIONS,
  });
}

/** "✨ Generate ad text" on a campaign card: generate, accept or retry, save (spec §7.2). */
export function adTextFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(idCallback('cg'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    await ctx.answerCallbackQuery();
    const args: GenerateArgs = {
      lang: ctx.lang,
      advertiserId: account.advertiser_id,
      advertiserName: account.advertiser_name,
      campaignId: ctx.match[1] ?? '',
    };
    await ctx.conversation.enter(GENERATE_DIALOG, args);
  });
  return composer;
}
