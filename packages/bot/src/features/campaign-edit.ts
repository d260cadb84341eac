import { createConversation } from '@grammyjs/conversations';
import { Composer } from 'grammy';
import type { BotContext, Dialog, DialogContext } from '../context.ts';
import type { BotDeps } from '../deps.ts';
import {
  ask,
  callApi,
  DIALOG_OPTIONS,
  type DialogButton,
  dialogKeyboard,
  expectOk,
  failure,
} from '../dialog.ts';
import { askFieldValue } from '../field-dialog.ts';
import { escapeHtml, truncate } from '../format.ts';
import { catalogues, type Lang } from '../i18n/i18n.ts';
import { requireAccount } from '../middlewares/context.ts';
import { cardView, idCallback } from '../views/campaign-views.ts';
import {
  type Draft,
  displayValue,
  draftOf,
  FIELDS,
  type FieldKey,
  FROZEN_FIELDS,
  isFieldKey,
  updateBody,
} from '../views/fields.ts';
import { type GenerationWait, proposeAdText } from './ad-text.ts';

export const EDIT_DIALOG = 'editCampaign';

type EditArgs = { lang: Lang; advertiserId: string; advertiserName: string; campaignId: string };

/**
 * Edits one field of a campaign: a menu of fields (limits and days locked with 🔒 once the
 * campaign has started, spec §3.9), then the new value, checked like on creation and saved with
 * a PUT. A 400 asks again with the API's reason; a 403 (frozen meanwhile) ends with it.
 */
function editDialog(deps: BotDeps, wait: GenerationWait) {
  return async (conversation: Dialog, ctx: DialogContext, args: EditArgs): Promise<void> => {
    const m = catalogues[args.lang];
    const showCard = async () => {
      const card = expectOk(
        await callApi(conversation, () =>
          cardView(deps.api, args.advertiserId, args.campaignId, args.lang, m),
        ),
      );
      await ctx.reply(card.text, { parse_mode: 'HTML', reply_markup: card.reply_markup });
    };
    const campaign = expectOk(
      await callApi(conversation, () => deps.api.getCampaign(args.advertiserId, args.campaignId)),
    );
    const today = expectOk(await callApi(conversation, () => deps.api.currentDay()));
    const started = campaign.start_date <= today;
    const locked = (field: FieldKey) => started && FROZEN_FIELDS.has(field);

    const buttons: DialogButton[] = FIELDS.map((f) => ({
      label: `${locked(f) ? '🔒 ' : ''}${m.fields[f]}`,
      value: f,
    }));
    buttons.push({ label: m.edit.back, value: 'back' });
    const menu = [
      m.edit.choose(escapeHtml(truncate(campaign.ad_title, 300))),
      started ? m.edit.frozenNote : '',
    ]
      .filter(Boolean)
      .join('\n');
    await ctx.reply(menu, { parse_mode: 'HTML', reply_markup: dialogKeyboard('field', buttons, 2) });

    let chosen: FieldKey | undefined;
    while (chosen === undefined) {
      const { answer, ctx: reply } = await ask(conversation, m, 'field', { text: false });
      if (answer.kind !== 'button') continue;
      if (answer.value === 'back') return showCard();
      if (!isFieldKey(answer.value)) continue;
      if (locked(answer.value)) {
        await reply.reply(m.edit.frozen);
        continue;
      }
      chosen = answer.value;
    }
    const field: FieldKey = chosen;

    const current = draftOf(campaign);
    const others: Partial<Draft> = { ...current };
    delete others[field];
    for (;;) {
      const value = await askFieldValue(
        conversation,
        ctx,
        m,
        field,
        { today, draft: others },
        {
          prompt: m.edit.ask(m.fields[field]),
          current: displayValue(field, current[field], args.lang, m),
          generate: () =>
            proposeAdText(conversation, ctx, deps, wait, m, args.advertiserName, campaign.ad_title),
        },
      );
      const saved = await callApi(conversation, () =>
        deps.api.updateCampaign(args.advertiserId, args.campaignId, updateBody(campaign, field, value)),
      );
      if (saved.ok) {
        await ctx.reply(m.edit.saved);
        return showCard();
      }
      if (saved.status === 400) {
        await ctx.reply(m.errors.invalidData(escapeHtml(saved.detail)), { parse_mode: 'HTML' });
        continue;
      }
      if (saved.status === 403) {
        await ctx.reply(m.errors.forbidden(escapeHtml(saved.detail)), { parse_mode: 'HTML' });
        return showCard();
      }
      throw failure(saved);
    }
  };
}

/**
 * The dialog's middleware. `createBot` installs every dialog right after the conversations
 * plugin, ahead of all handlers, so an open dialog sees each update of its chat first.
 */
export function campaignEditDialog(deps: BotDeps, wait: GenerationWait) {
  return createConversation<BotContext, DialogContext>(editDialog(deps, wait), {
    id: EDIT_DIALOG,
    ...DIALOG_OPTIONS,
  });
}

/** "📝 Edit campaign" on a card starts the edit dialog. */
export function campaignEditFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(idCallback('ce'), async (ctx) => {
    const account = await requireAccount(ctx);
    if (!account) return;
    await ctx.answerCallbackQuery();
    const args: EditArgs = {
      lang: ctx.lang,
      advertiserId: account.advertiser_id,
      advertiserName: account.advertiser_name,
      campaignId: ctx.match[1] ?? '',
    };
    await ctx.conversation.enter(EDIT_DIALOG, args);
  });
  return composer;
}
