import { createConversation } from '@grammyjs/conversations';
import { Composer } from 'grammy';
import type { BotContext, Dialog, DialogContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import { ask, callApi, DIALOG_OPTIONS, dialogKeyboard, expectOk, failure } from '../dialog.ts';
import { askFieldValue } from '../field-dialog.ts';
import { escapeHtml } from '../format.ts';
import { catalogues, type Lang, type Messages } from '../i18n/i18n.ts';
import { requireAccount } from '../middlewares/context.ts';
import { CB, cardView } from '../views/campaign-views.ts';
import {
  createBody,
  type Draft,
  displayValue,
  FIELDS,
  type FieldKey,
  fieldOfDetail,
} from '../views/fields.ts';
import { type GenerationWait, proposeAdText } from './ad-text.ts';

export const CREATE_DIALOG = 'createCampaign';

type CreateArgs = { lang: Lang; advertiserId: string; advertiserName: string };

function prompt(field: FieldKey, draft: Partial<Draft>, today: number, m: Messages): string {
  const prompts = m.create.prompts;
  if (field === 'start_date') return prompts.start_date(today);
  if (field === 'end_date') return prompts.end_date(draft.start_date ?? today);
  return prompts[field];
}

function summary(draft: Draft, lang: Lang, m: Messages): string {
  const lines = FIELDS.map((f) => `${m.fields[f]}: ${displayValue(f, draft[f], lang, m)}`);
  return [m.create.summary, '', ...lines].join('\n');
}

/**
 * The guided creation of a campaign: one question per field, each answer checked at once (dates,
 * limits, prices, targeting), then a summary to confirm. When the API still refuses (the day
 * moved on meanwhile, say), the field it names is asked again.
 */
function createDialog(deps: BotDeps, wait: GenerationWait) {
  return async (conversation: Dialog, ctx: DialogContext, args: CreateArgs): Promise<void> => {
    const m = catalogues[args.lang];
    await ctx.reply(`${m.create.intro}\n${m.general.cancelHint}`, { parse_mode: 'HTML' });
    const today = expectOk(await callApi(conversation, () => deps.api.currentDay()));
    const draft: Partial<Draft> = {};
    const askField = async (field: FieldKey) => {
      // Checked against every other answer so far (all of them when the API sends us back to a field).
      const others: Partial<Draft> = { ...draft };
      delete others[field];
      const value = await askFieldValue(
        conversation,
        ctx,
        m,
        field,
        { today, draft: others },
        {
          prompt: prompt(field, draft, today, m),
          generate: () =>
            proposeAdText(conversation, ctx, deps, wait, m, args.advertiserName, draft.ad_title ?? ''),
        },
      );
      Object.assign(draft, { [field]: value });
    };
    for (const field of FIELDS) await askField(field);

    for (;;) {
      const complete = draft as Draft;
      await ctx.reply(summary(complete, args.lang, m), {
        parse_mode: 'HTML',
        reply_markup: dialogKeyboard('confirm', [
          { label: m.create.confirm, value: 'create' },
          { label: m.dialog.cancel, value: 'cancel' },
        ]),
      });
      const { answer } = await ask(conversation, m, 'confirm', { text: false });
      if (answer.kind !== 'button') continue;
      if (answer.value === 'cancel') {
        await ctx.reply(m.general.cancelled);
        return;
      }
      const created = await callApi(conversation, () =>
        deps.api.createCampaign(args.advertiserId, createBody(complete)),
      );
      if (created.ok) {
        await ctx.reply(m.create.created);
        const card = expectOk(
          await callApi(conversation, () =>
            cardView(deps.api, args.advertiserId, created.value.campaign_id, args.lang, m),
          ),
        );
        await ctx.reply(card.text, { parse_mode: 'HTML', reply_markup: card.reply_markup });
        return;
      }
      if (created.status !== 400) throw failure(created);
      await ctx.reply(m.errors.invalidData(escapeHtml(created.detail)), { parse_mode: 'HTML' });
      const field = fieldOfDetail(created.detail);
      if (field === undefined) continue;
      await ctx.reply(m.create.fixField(m.fields[field]));
      await askField(field);
    }
  };
}

/**
 * The dialog's middleware. `createBot` installs every dialog right after the conversations
 * plugin, ahead of all handlers, so an open dialog sees each update of its chat first.
 */
export function campaignCreateDialog(deps: BotDeps, wait: GenerationWait) {
  return createConversation<BotContext, DialogContext>(createDialog(deps, wait), {
    id: CREATE_DIALOG,
    ...DIALOG_OPTIONS,
  });
}

/** "➕ Create" in the campaign list starts the creation dialog. */
export function campaignCreateFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(CB.create, async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    await ctx.answerCallbackQuery();
    const args: CreateArgs = {
      lang: ctx.lang,
      advertiserId: account.advertiser_id,
      advertiserName: account.advertiser_name,
    };
    await ctx.conversation.enter(CREATE_DIALOG, args);
  });
  return composer;
}
