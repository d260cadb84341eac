import { type ConversationData, conversations, type VersionedState } from '@grammyjs/conversations';
import { type Api, Bot, session } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { BotContext, DialogContext, SessionData } from './context.ts';
import type { BotDeps } from './deps.ts';
import { accountFeature } from './features/account.ts';
import {
  adTextDialog,
  adTextFeature,
  DEFAULT_GENERATION_WAIT,
  type GenerationWait,
} from './features/ad-text.ts';
import { campaignCreateDialog, campaignCreateFeature } from './features/campaign-create.ts';
import { campaignEditDialog, campaignEditFeature } from './features/campaign-edit.ts';
import { campaignImageDialog, campaignImageFeature } from './features/campaign-image.ts';
import { campaignsFeature } from './features/campaigns.ts';
import { fallbackFeature } from './features/fallback.ts';
import { helpFeature } from './features/help.ts';
import { languageFeature } from './features/language.ts';
import { statisticsFeature } from './features/statistics.ts';
import { catalogues, type Messages } from './i18n/i18n.ts';
import { contextMiddleware } from './middlewares/context.ts';
import { errorReply } from './middlewares/error-boundary.ts';
import { floodGuard, privateChatsOnly } from './middlewares/guards.ts';

/** Sessions (the chosen language) are kept half a year after the user's last update. */
const SESSION_TTL_SECONDS = 180 * 24 * 3600;
/** A dialog's state is kept a week; `DIALOG_OPTIONS` ends an unanswered dialog sooner anyway. */
const DIALOG_TTL_SECONDS = 7 * 24 * 3600;
/**
 * Version of the stored dialog state: bump it when a dialog's steps change, so dialogs stored by
 * an older bot are dropped instead of being replayed against different code.
 */
const DIALOG_STATE_VERSION = 1;

export type BotOptions = {
  /** Skips `getMe` when known (tests, restarts). */
  botInfo?: UserFromGetMe;
  /** How long and how often to poll ad-text generation. */
  generationWait?: GenerationWait;
};

/** The commands registered with Telegram (`setMyCommands`), in menu order. */
export const COMMANDS: readonly (keyof Messages['commands'])[] = [
  'start',
  'campaigns',
  'statistics',
  'language',
  'help',
  'cancel',
  'logout',
];

/** The bot with every feature installed, not started. */
export function createBot(deps: BotDeps, options: BotOptions = {}): Bot<BotContext> {
  const { telegram, storage } = deps.config;
  if (telegram.kind !== 'enabled') throw new Error('Telegram bot disabled: set TELEGRAM_BOT_TOKEN');
  const bot = new Bot<BotContext>(telegram.token, {
    client: { apiRoot: telegram.apiRoot },
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  const wait = options.generationWait ?? DEFAULT_GENERATION_WAIT;

  bot.use(privateChatsOnly);
  bot.use(
    floodGuard(
      deps.config.rateLimit,
      deps.store.redis,
      storage.kind === 'redis' ? `${storage.keyPrefix}flood` : 'flood',
      deps.log,
    ),
  );
  bot.errorBoundary(
    errorReply(deps.log),
    session<SessionData, BotContext>({
      initial: () => ({}),
      storage: deps.store.adapter<SessionData>('session', SESSION_TTL_SECONDS),
      getSessionKey: (ctx) => ctx.from?.id.toString(),
    }),
    contextMiddleware(deps),
    conversations<BotContext, DialogContext>({
      storage: {
        type: 'key',
        version: DIALOG_STATE_VERSION,
        getStorageKey: (ctx) => ctx.chatId?.toString(),
        adapter: deps.store.adapter<VersionedState<ConversationData>>('dialog', DIALOG_TTL_SECONDS),
      },
    }),
    campaignCreateDialog(deps, wait),
    campaignEditDialog(deps, wait),
    campaignImageDialog(deps),
    adTextDialog(deps, wait),
    accountFeature(deps),
    helpFeature(deps),
    languageFeature(),
    campaignsFeature(deps),
    campaignCreateFeature(),
    campaignEditFeature(),
    campaignImageFeature(),
    adTextFeature(),
    statisticsFeature(deps),
    fallbackFeature(),
  );
  // Only failures of the guards above reach here; logged so long polling keeps going.
  bot.catch((err) =>
    deps.log.error({ err: err.error, update_id: err.ctx.update.update_id }, 'update failed'),
  );
  return bot;
}

/** Registers the command menu with Telegram, in English and (for Russian apps) in Russian. */
export async function registerCommands(api: Api): Promise<void> {
  const menu = (m: Messages) => COMMANDS.map((command) => ({ command, description: m.commands[command] }));
  await api.setMyCommands(menu(catalogues.en));
  await api.setMyCommands(menu(catalogues.ru), { language_code: 'ru' });
}

export type RunningBot = {
  bot: Bot<BotContext>;
  /** Settles when long polling ends: after `stop()`, or on a fatal error (already logged). */
  stopped: Promise<void>;
  /** Stops polling after the update in progress and waits for it. */
  stop(): Promise<void>;
};

/**
 * Checks the token (`getMe`), registers the command menu and starts long polling (`getUpdates`).
 * Updates are handled one at a time, in order.
 */
export async function startBot(deps: BotDeps, options: BotOptions = {}): Promise<RunningBot> {
  const bot = createBot(deps, options);
  await bot.init();
  await registerCommands(bot.api);
  const stopped = new Promise<void>((resolve) => {
    bot
      .start({
        allowed_updates: ['message', 'callback_query'],
        onStart: (me) =>
          deps.log.info({ username: me.username }, `Telegram bot @${me.username} is polling for updates`),
      })
      .then(resolve, (error: unknown) => {
        deps.log.error(
          { err: error },
          'Telegram long polling stopped: check TELEGRAM_BOT_TOKEN and that no other process polls with it',
        );
        resolve();
      });
  });
  return {
    bot,
    stopped,
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await stopped;
    },
  };
}
