import { ConfigError, describeBackends, loadConfig } from '@adnova/core/config';
import { createDeps, createLogger } from '@adnova/core/deps';
import { buildApp } from './app.ts';

/** The composition root: config → deps → HTTP server, with a graceful shutdown. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config);
  const deps = await createDeps(config, { log });
  log.info({ backends: describeBackends(config) }, `AdNova backends: ${describeBackends(config)}`);
  const app = await buildApp(deps);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await app.close();
      await deps.close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ host: config.http.host, port: config.http.port });
  log.info(`AdNova API on ${config.http.publicBaseUrl} (docs at ${config.http.publicBaseUrl}/docs)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
