import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BotConfigError,
  DEFAULT_BACKEND_URL,
  DEFAULT_TELEGRAM_API_ROOT,
  describeBot,
  loadBotConfig,
} from './config.ts';

test('defaults: no token disables the bot; local API, memory store, id login off', () => {
  const config = loadBotConfig({});
  assert.deepEqual(config, {
    telegram: { kind: 'disabled' },
    backend: { url: DEFAULT_BACKEND_URL, apiToken: undefined },
    storage: { kind: 'memory' },
    allowIdLogin: false,
    rateLimit: { windowMs: 1000, limit: 3 },
    log: { level: 'info' },
  });
});

test('a full configuration, with Redis and the seed bot’s backend variable as a fallback', () => {
  const config = loadBotConfig({
    TELEGRAM_BOT_TOKEN: '123456789:AAH-abc_DEF',
    TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
    AIOGRAM_BACKEND_URL: 'http://backend:8080',
    REDIS_URL: 'redis://:secret@redis:6379/1',
    BOT_ALLOW_ID_LOGIN: 'yes',
    BOT_API_TOKEN: 's3cret',
    BOT_RATE_LIMIT: '5',
    BOT_RATE_LIMIT_WINDOW_MS: '2000',
  });
  assert.deepEqual(config.telegram, {
    kind: 'enabled',
    token: '123456789:AAH-abc_DEF',
    apiRoot: 'http://127.0.0.1:8081',
  });
  assert.deepEqual(config.backend, { url: 'http://backend:8080', apiToken: 's3cret' });
  assert.deepEqual(config.storage, {
    kind: 'redis',
    redis: { mode: 'standalone', url: 'redis://:secret@redis:6379/1' },
    keyPrefix: 'adnova:bot:',
  });
  assert.equal(config.allowIdLogin, true);
  assert.deepEqual(config.rateLimit, { windowMs: 2000, limit: 5 });
  assert.equal(
    loadBotConfig({ BOT_BACKEND_URL: 'https://api.example', AIOGRAM_BACKEND_URL: 'http://x' }).backend.url,
    'https://api.example',
  );
  assert.deepEqual(loadBotConfig({ TELEGRAM_BOT_TOKEN: '1:x' }).telegram, {
    kind: 'enabled',
    token: '1:x',
    apiRoot: DEFAULT_TELEGRAM_API_ROOT,
  });

  const line = describeBot(config);
  assert.match(line, /storage=redis \(redis:\/\/:\*\*\*@redis:6379\/1\)/);
  assert.doesNotMatch(line, /secret|s3cret|AAH/);
});

test('every bad variable is reported at once', () => {
  assert.throws(
    () =>
      loadBotConfig({
        TELEGRAM_BOT_TOKEN: 'not a token',
        BOT_BACKEND_URL: 'ftp://x',
        REDIS_URL: 'nope',
        BOT_ALLOW_ID_LOGIN: 'maybe',
        BOT_RATE_LIMIT: '0',
        LOG_LEVEL: 'loud',
      }),
    (error: unknown) => {
      assert.ok(error instanceof BotConfigError);
      assert.equal(error.problems.length, 6);
      assert.match(error.message, /TELEGRAM_BOT_TOKEN does not look like a bot token/);
      assert.match(error.message, /BOT_BACKEND_URL must use http: or https:/);
      return true;
    },
  );
});
