import type { Dialog, DialogContext } from './context.ts';
import { ask, type DialogButton, dialogKeyboard } from './dialog.ts';
import type { Messages } from './i18n/i18n.ts';
import {
  type Draft,
  type FieldContext,
  type FieldKey,
  GENDERS,
  OPTIONAL_FIELDS,
  parseField,
} from './views/fields.ts';

export type FieldPrompt = {
  /** The question (HTML). */
  prompt: string;
  /** The value now, shown under the question when editing (HTML). */
  current?: string;
  /** Offers "✨ Generate with AI" (the ad text): resolves to an accepted text, or undefined to ask again. */
  generate?: () => Promise<string | undefined>;
};

/**
 * Asks for one campaign field until the answer is valid (checked at once, with the reason when
 * not), offering buttons where typing is awkward: genders, "Skip" for targeting, AI for the text.
 * "❌ Cancel" and /cancel end the whole dialog.
 */
export async function askFieldValue(
  conversation: Dialog,
  ctx: DialogContext,
  m: Messages,
  field: FieldKey,
  context: FieldContext,
  prompt: FieldPrompt,
): Promise<Draft[FieldKey]> {
  const buttons: DialogButton[] = [];
  if (field === 'gender') buttons.push(...GENDERS.map((g) => ({ label: m.genders[g], value: g })));
  if (field === 'ad_text' && prompt.generate)
    buttons.push({ label: m.create.generateButton, value: 'generate' });
  if (OPTIONAL_FIELDS.has(field)) buttons.push({ label: m.dialog.skip, value: 'skip' });
  buttons.push({ label: m.dialog.cancel, value: 'cancel' });
  const text = [
    prompt.prompt,
    prompt.current === undefined ? '' : m.dialog.current(prompt.current),
    OPTIONAL_FIELDS.has(field) && field !== 'gender' ? m.dialog.optional : '',
  ]
    .filter(Boolean)
    .join('\n');

  await ctx.reply(text, {
    parse_mode: 'HTML',
    reply_markup: dialogKeyboard(field, buttons, field === 'gender' ? 3 : 2),
  });
  for (;;) {
    const { answer, ctx: reply } = await ask(conversation, m, field);
    if (answer.kind === 'button') {
      if (answer.value === 'cancel') {
        await reply.reply(m.general.cancelled);
        return conversation.halt();
      }
      if (answer.value === 'skip' && OPTIONAL_FIELDS.has(field)) return null;
      if (answer.value === 'generate' && prompt.generate) {
        const generated = await prompt.generate();
        if (generated !== undefined) return generated;
        await reply.reply(text, { parse_mode: 'HTML', reply_markup: dialogKeyboard(field, buttons, 2) });
        continue;
      }
      if (field === 'gender' && (GENDERS as readonly string[]).includes(answer.value)) {
        return answer.value as Draft['gender'];
      }
      continue;
    }
    if (answer.kind !== 'text') continue;
    const parsed = parseField(field, answer.text, context, m);
    if (parsed.ok) return parsed.value;
    await reply.reply(parsed.error);
  }
}
