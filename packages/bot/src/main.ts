import { startBot } from './bot.ts';
import { BotConfigError, describeBot, loadBotConfig } from './config.ts';
import { createBotDeps } from './deps.ts';

/** The bot as its own process (`npm start -w @adnova/bot`): config → deps → long polling. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadBotConfig>;
  try {
    config = loadBotConfig();
  } catch (error) {
    if (error instanceof BotConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (config.telegram.kind === 'disabled') {
    // A deliberate setting, not a failure: exit 0, so supervisors that restart on failure leave it be.
    console.error(
      'Telegram bot disabled: set TELEGRAM_BOT_TOKEN (create a bot with @BotFather, see packages/bot/README.md)',
    );
    process.exit(0);
  }
  const deps = createBotDeps(config);
  deps.log.info(`AdNova bot: ${describeBot(config)}`);
  const running = await startBot(deps);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.log.info({ signal }, 'shutting down');
    try {
      await running.stop();
      await deps.close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  // Polling only ends by itself on a fatal error (a revoked token, another poller): exit loudly.
  await running.stopped;
  if (!stopping) {
    await deps.close();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
