import type { Conversation, ConversationFlavor } from '@grammyjs/conversations';
import type { Context, SessionFlavor } from 'grammy';
import type { TelegramLink } from './api/adnova-api.ts';
import type { Lang, Messages } from './i18n/i18n.ts';

/** What the bot remembers per Telegram user between updates (in the bot store). */
export type SessionData = {
  /** The language chosen with /language; unset follows the Telegram app's language. */
  language?: Lang;
};

export type BotFlavor = {
  lang: Lang;
  /** The message catalogue of `lang`. */
  m: Messages;
  /**
   * The advertiser this Telegram account acts for, read from the API at most once per update;
   * undefined when the account is not linked.
   */
  account(): Promise<TelegramLink | undefined>;
};

/** The context of the bot's middleware. */
export type BotContext = ConversationFlavor<Context & SessionFlavor<SessionData> & BotFlavor>;
/** The context inside dialogs (conversations replay updates, so they get a plain context). */
export type DialogContext = Context;
export type Dialog = Conversation<BotContext, DialogContext>;
