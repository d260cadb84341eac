import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '@adnova/server/testing/process';
import { FakeTelegram, said } from '@adnova/test-utils/fake-telegram';
import { loopbackUrl } from './embedded.ts';

const serverMain = fileURLToPath(new URL('../../server/src/main.ts', import.meta.url));

/** Embedded database and no Redis whatever the suite runs on: these tests are about the process. */
const processEnv = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'adnova-bot-embedded-'));
  return { dataDir, env: { DATABASE_URL: 'memory://', REDIS_URL: '', DATA_DIR: dataDir, BOT_API_TOKEN: '' } };
};

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('issue 7: npm start and the bot', () => {
  test('with TELEGRAM_BOT_TOKEN, the API process runs the bot, which reaches the API over HTTP', async (t) => {
    const tg = await FakeTelegram.start();
    t.after(() => tg.close());
    const { dataDir, env } = await processEnv();
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startServerProcess({
      ...env,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
    });
    t.after(() => server.stop());

    await until(() => tg.calls.some((c) => c.method === 'getUpdates'), 'the bot to poll');
    assert.deepEqual(
      tg.calls.slice(0, 4).map((c) => c.method),
      ['getMe', 'setMyCommands', 'setMyCommands', 'deleteWebhook'],
    );

    const advertiser = { advertiser_id: randomUUID(), name: 'Embedded' };
    await fetch(`${server.base}/advertisers/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([advertiser]),
    });
    const issued = await fetch(`${server.base}/advertisers/${advertiser.advertiser_id}/link_codes`, {
      method: 'POST',
    });
    const { code } = (await issued.json()) as { code: string };
    // BOT_API_TOKEN is unset: the process shares a random secret with its own bot only.
    const outsider = await fetch(`${server.base}/telegram/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, telegram_user_id: 1 }),
    });
    assert.equal(outsider.status, 401);

    const user = tg.user();
    assert.match(said(await user.send(code)), /Successfully authenticated as Embedded/);
    assert.match(said(await user.send('/campaigns')), /no campaigns yet/);
  });

  test('without TELEGRAM_BOT_TOKEN, the log says the bot is disabled', async (t) => {
    const { dataDir, env } = await processEnv();
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', serverMain], {
      env: {
        ...process.env,
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        TELEGRAM_BOT_TOKEN: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    t.after(async () => {
      proc.kill('SIGTERM');
      await exited;
    });
    let found = false;
    for await (const line of createInterface({ input: proc.stdout })) {
      if (line.includes('Telegram bot disabled: set TELEGRAM_BOT_TOKEN')) {
        found = true;
        break;
      }
    }
    assert.ok(found);
  });

  test('loopbackUrl reaches a wildcard bind through the loopback address', () => {
    assert.equal(loopbackUrl({ address: '0.0.0.0', family: 'IPv4', port: 8080 }), 'http://127.0.0.1:8080');
    assert.equal(loopbackUrl({ address: '::', family: 'IPv6', port: 80 }), 'http://[::1]:80');
    assert.equal(loopbackUrl({ address: '10.0.0.5', family: 'IPv4', port: 1 }), 'http://10.0.0.5:1');
    assert.equal(loopbackUrl({ address: 'fe80::1', family: 'IPv6', port: 2 }), 'http://[fe80::1]:2');
  });
});
