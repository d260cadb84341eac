import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { ApiError, ApiUnavailableError } from './api/adnova-api.ts';
import type { Dialog, DialogContext } from './context.ts';
import type { Messages } from './i18n/i18n.ts';

/**
 * Helpers for dialogs (grammY conversations). A conversation is replayed from its start on every
 * update, with the results of earlier outside calls read back from the store; so every AdNova
 * call goes through `callApi` (recorded once, as plain JSON) and nothing else has side effects.
 */

/**
 * Options of every dialog: one left unanswered for an hour is dropped, and the next message is
 * handled as if no dialog had been open.
 */
export const DIALOG_OPTIONS = { maxMillisecondsToWait: 60 * 60 * 1000 };

/** The outcome of an AdNova call inside a dialog, as plain data (it is stored between updates). */
export type ApiResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; detail: string; operation: string };

export async function callApi<T>(conversation: Dialog, task: () => Promise<T>): Promise<ApiResult<T>> {
  return conversation.external(async (): Promise<ApiResult<T>> => {
    try {
      return { ok: true, value: await task() };
    } catch (error) {
      if (error instanceof ApiError) {
        return { ok: false, status: error.status, detail: error.detail, operation: error.operation };
      }
      if (error instanceof ApiUnavailableError) {
        return { ok: false, status: 0, detail: error.message, operation: error.operation };
      }
      throw error;
    }
  });
}

/** The error a failed result stands for, for the error boundary to explain. */
export function failure(result: Extract<ApiResult<unknown>, { ok: false }>): Error {
  return result.status === 0
    ? new ApiUnavailableError(result.operation)
    : new ApiError(result.status, result.detail, result.operation);
}

/** The value of a call that is expected to succeed; any failure ends the dialog with a clear message. */
export function expectOk<T>(result: ApiResult<T>): T {
  if (!result.ok) throw failure(result);
  return result.value;
}

/**
 * Callback data of a dialog button: `d:<step>:<value>`. The step makes a button of an earlier
 * prompt recognisable as stale.
 */
export const dialogData = (step: string, value: string): string => `d:${step}:${value}`;
const DIALOG_DATA = /^d:([^:]+):(.*)$/;
const CANCEL = /^\/cancel(@\w+)?(\s|$)/;

export type DialogButton = { label: string; value: string };

/** An inline keyboard of dialog buttons, `perRow` per row. */
export function dialogKeyboard(step: string, buttons: DialogButton[], perRow = 3): InlineKeyboardMarkup {
  const keyboard = new InlineKeyboard();
  buttons.forEach((b, i) => {
    keyboard.text(b.label, dialogData(step, b.value));
    if ((i + 1) % perRow === 0) keyboard.row();
  });
  return { inline_keyboard: keyboard.inline_keyboard };
}

/** A file the user sent: a photo (its largest size) or a document. */
export type SentFile = {
  fileId: string;
  fileName: string;
  size: number | undefined;
  mimeType: string | undefined;
};

export type Answer =
  | { kind: 'text'; text: string }
  | { kind: 'button'; value: string }
  | { kind: 'file'; file: SentFile };

/**
 * Waits for the user's answer at `step`: a text message, one of this step's buttons, or (with
 * `files`) a photo or document. `/cancel` ends the dialog; any other command, or a button of
 * another screen, ends it too and is then handled as usual. A stale button of this dialog is
 * answered as outdated, anything else with a hint, and the wait goes on.
 */
export async function ask(
  conversation: Dialog,
  m: Messages,
  step: string,
  accept: { text?: boolean; files?: boolean } = { text: true },
): Promise<{ answer: Answer; ctx: DialogContext }> {
  for (;;) {
    const ctx = await conversation.wait();
    const text = ctx.message?.text;
    if (text?.startsWith('/')) {
      if (CANCEL.test(text)) {
        await ctx.reply(m.general.cancelled);
        return conversation.halt();
      }
      return conversation.halt({ next: true });
    }
    const data = ctx.callbackQuery?.data;
    if (data !== undefined) {
      const match = DIALOG_DATA.exec(data);
      if (!match) return conversation.halt({ next: true });
      if (match[1] === step) {
        await ctx.answerCallbackQuery();
        return { answer: { kind: 'button', value: match[2] ?? '' }, ctx };
      }
      await ctx.answerCallbackQuery({ text: m.general.outdatedButton });
      continue;
    }
    if (accept.files) {
      const photo = ctx.message?.photo?.at(-1);
      if (photo) {
        return {
          answer: {
            kind: 'file',
            file: {
              fileId: photo.file_id,
              fileName: 'photo.jpg',
              size: photo.file_size,
              mimeType: 'image/jpeg',
            },
          },
          ctx,
        };
      }
      const document = ctx.message?.document;
      if (document) {
        return {
          answer: {
            kind: 'file',
            file: {
              fileId: document.file_id,
              fileName: document.file_name ?? 'image',
              size: document.file_size,
              mimeType: document.mime_type,
            },
          },
          ctx,
        };
      }
    }
    if (accept.text && text !== undefined) return { answer: { kind: 'text', text }, ctx };
    if (ctx.message) await ctx.reply(accept.files ? m.image.notImage : m.validation.expectedText);
  }
}
