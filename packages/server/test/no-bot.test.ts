import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, spawnServer, startServerProcess } from './server-process.ts';

const withoutBot = fileURLToPath(new URL('./fixtures/without-bot.mjs', import.meta.url));
const env = { DATABASE_URL: 'memory://', REDIS_URL: '', NODE_OPTIONS: `--import=${withoutBot}` };

test('the API starts and serves without the bot package; the bot is loaded only for TELEGRAM_BOT_TOKEN', {
  timeout: 120_000,
}, async (t) => {
  const api = await startServerProcess({ ...env, TELEGRAM_BOT_TOKEN: '' });
  t.after(() => api.stop());
  assert.equal((await fetch(`${api.base}/time/advance`, { method: 'POST' })).status, 400);
  const health = (await (await fetch(`${api.base}/health?format=json`)).json()) as Record<string, string>;
  assert.equal(health.database, 'working');

  // With a token the process needs the bot and says so, instead of starting without it.
  const proc = spawnServer(
    await freePort(),
    { ...env, TELEGRAM_BOT_TOKEN: '123456:ABC' },
    { stderr: 'pipe' },
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(proc, 'exit')) as [number | null];
  assert.notEqual(code, 0);
  assert.match(stderr, /Cannot find package @adnova\/bot/);
});
