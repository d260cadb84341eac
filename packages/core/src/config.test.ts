import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, describeBackends, loadConfig } from './config.ts';

const SECRET = 'a-production-secret-of-at-least-32-bytes';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail('expected a ConfigError');
};

describe('issue 3: ads throttle configuration', () => {
  test('defaults: on, library defaults, keys under adnova:', () => {
    const { throttle } = loadConfig({}, '/srv');
    assert.equal(throttle.enabled, true);
    assert.equal(throttle.threshold, 20);
    assert.equal(throttle.windowSeconds, 600);
    assert.equal(throttle.blockSeconds, 3600);
    assert.equal(throttle.keyPrefix, 'adnova:');
    assert.equal(throttle.trustProxy, false);
    assert.match(describeBackends(loadConfig({}, '/srv')), /ads-throttle=on \(memory counters\)/);
  });

  test('reads the library variables from the env it is given, and ADS_THROTTLE_ENABLED', () => {
    const { throttle } = loadConfig(
      {
        ADS_THROTTLE_ENABLED: 'false',
        ADS_VIEW_REPEAT_THRESHOLD: '3',
        ADS_THROTTLE_KEY_PREFIX: 'tenant-a:',
        ADS_THROTTLE_TRUST_PROXY: 'loopback',
      },
      '/srv',
    );
    assert.equal(throttle.enabled, false);
    assert.equal(throttle.threshold, 3);
    assert.equal(throttle.keyPrefix, 'tenant-a:');
    assert.deepEqual(throttle.trustProxy, ['loopback']);
    assert.match(describeBackends(loadConfig({ ADS_THROTTLE_ENABLED: '0' }, '/srv')), /ads-throttle=off/);
  });

  test("the library's problems join AdNova's in one ConfigError", () => {
    const problems = problemsOf({
      PORT: 'eighty',
      ADS_THROTTLE_ENABLED: 'maybe',
      ADS_VIEW_REPEAT_THRESHOLD: 'many',
      ADS_THROTTLE_ON_ERROR: 'explode',
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const name of [
      'PORT',
      'ADS_THROTTLE_ENABLED',
      'ADS_VIEW_REPEAT_THRESHOLD',
      'ADS_THROTTLE_ON_ERROR',
    ]) {
      assert.ok(
        problems.some((p) => p.includes(name)),
        `${name} missing from ${problems.join('; ')}`,
      );
    }
  });

  test('production requires ADS_THROTTLE_HASH_SECRET (at least 32 bytes)', () => {
    assert.ok(problemsOf({ NODE_ENV: 'production' }).some((p) => p.includes('ADS_THROTTLE_HASH_SECRET')));
    assert.ok(
      problemsOf({ NODE_ENV: 'production', ADS_THROTTLE_HASH_SECRET: 'short' }).some((p) =>
        p.includes('ADS_THROTTLE_HASH_SECRET'),
      ),
    );
    const config = loadConfig({ NODE_ENV: 'production', ADS_THROTTLE_HASH_SECRET: SECRET }, '/srv');
    assert.equal(config.throttle.hashSecret, SECRET);
  });
});
