import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEVELOPMENT_HASH_SECRET,
  defaultThrottleConfig,
  findInvalidThrottleValues,
  loadThrottleConfig,
  resolveThrottleConfig,
} from './config.ts';
import { type AdsThrottleError, isAdsThrottleError } from './errors.ts';

const SECRET = 'x'.repeat(32);

function configError(run: () => unknown): AdsThrottleError {
  try {
    run();
  } catch (error) {
    assert.ok(isAdsThrottleError(error, 'ADS_THROTTLE_CONFIG_INVALID'), String(error));
    return error;
  }
  assert.fail('expected ADS_THROTTLE_CONFIG_INVALID');
}

describe('loadThrottleConfig', () => {
  it('uses the defaults of behaviour §3 when nothing is set (dev secret outside production)', () => {
    const config = loadThrottleConfig({});
    assert.equal(config.windowSeconds, 600);
    assert.equal(config.threshold, 20);
    assert.equal(config.blockSeconds, 3600);
    assert.equal(config.eventRecordSeconds, 60);
    assert.equal(config.settingsCacheSeconds, 300);
    assert.equal(config.overrideCacheSeconds, 60);
    assert.equal(config.ipHeader, '');
    assert.equal(config.onError, 'show');
    assert.equal(config.ipMode, 'trusted-proxy');
    assert.equal(config.trustProxy, false);
    assert.equal(config.sessionCookieName, 'sessionid');
    assert.equal(config.hashSecret, DEVELOPMENT_HASH_SECRET);
  });

  it('case 1: reads the original setting names (W=111, T=7, B=99, E=12)', () => {
    const config = loadThrottleConfig({
      ADS_VIEW_REPEAT_WINDOW_SECONDS: '111',
      ADS_VIEW_REPEAT_THRESHOLD: '7',
      ADS_BLOCK_SECONDS: '99',
      ADS_THROTTLE_EVENT_RECORD_SECONDS: '12',
      ADS_THROTTLE_SETTINGS_CACHE_SECONDS: '30',
      ADS_THROTTLE_OVERRIDE_CACHE_SECONDS: '5',
      ADS_THROTTLE_IP_HEADER: ' X-Real-IP ',
      ADS_THROTTLE_HASH_SECRET: SECRET,
    });
    assert.deepEqual(
      [config.windowSeconds, config.threshold, config.blockSeconds, config.eventRecordSeconds],
      [111, 7, 99, 12],
    );
    assert.equal(config.settingsCacheSeconds, 30);
    assert.equal(config.overrideCacheSeconds, 5);
    assert.equal(config.ipHeader, 'X-Real-IP');
    assert.equal(config.hashSecret, SECRET);
  });

  it('reads the port additions', () => {
    const config = loadThrottleConfig({
      ADS_THROTTLE_HASH_SECRET: SECRET,
      ADS_THROTTLE_ON_ERROR: 'hide',
      ADS_THROTTLE_IP_MODE: 'parity',
      ADS_THROTTLE_TRUST_PROXY: '10.0.0.0/8, loopback',
      ADS_THROTTLE_KEY_PREFIX: 'adnova:',
      ADS_THROTTLE_SESSION_COOKIE_NAME: 'sid',
      ADS_THROTTLE_BLOCK_RESETS_WINDOW: 'false',
      ADS_THROTTLE_EVENT_RETENTION_DAYS: '30',
    });
    assert.equal(config.onError, 'hide');
    assert.equal(config.ipMode, 'parity');
    assert.deepEqual(config.trustProxy, ['10.0.0.0/8', 'loopback']);
    assert.equal(config.keyPrefix, 'adnova:');
    assert.equal(config.sessionCookieName, 'sid');
    assert.equal(config.blockResetsWindow, false);
    assert.equal(config.eventRetentionDays, 30);
    assert.equal(loadThrottleConfig({ ADS_THROTTLE_TRUST_PROXY: '2' }).trustProxy, 2);
    // One proxy, not "trust every hop": a client must not pick its address with X-Forwarded-For.
    assert.equal(loadThrottleConfig({ ADS_THROTTLE_TRUST_PROXY: '1' }).trustProxy, 1);
    assert.equal(loadThrottleConfig({ ADS_THROTTLE_TRUST_PROXY: '0' }).trustProxy, 0);
    assert.equal(loadThrottleConfig({ ADS_THROTTLE_TRUST_PROXY: 'true' }).trustProxy, true);
  });

  it('cases 25 and 26 (port): rejects T=0 and W=0', () => {
    const t0 = configError(() => loadThrottleConfig({ ADS_VIEW_REPEAT_THRESHOLD: '0' }));
    assert.match(t0.message, /ADS_VIEW_REPEAT_THRESHOLD/);
    const w0 = configError(() => loadThrottleConfig({ ADS_VIEW_REPEAT_WINDOW_SECONDS: '0' }));
    assert.match(w0.message, /ADS_VIEW_REPEAT_WINDOW_SECONDS/);
    assert.doesNotThrow(() =>
      loadThrottleConfig({ ADS_BLOCK_SECONDS: '0', ADS_THROTTLE_EVENT_RECORD_SECONDS: '0' }),
    );
  });

  it('reports every bad variable at once', () => {
    const error = configError(() =>
      loadThrottleConfig({
        ADS_VIEW_REPEAT_THRESHOLD: 'twenty',
        ADS_BLOCK_SECONDS: '-5',
        ADS_THROTTLE_ON_ERROR: 'explode',
        ADS_THROTTLE_IP_MODE: 'magic',
        ADS_THROTTLE_TRUST_PROXY: 'not-a-cidr',
        ADS_THROTTLE_HASH_SECRET: 'short',
      }),
    );
    const issues = error.details.issues as string[];
    for (const name of [
      'ADS_VIEW_REPEAT_THRESHOLD',
      'ADS_BLOCK_SECONDS',
      'ADS_THROTTLE_ON_ERROR',
      'ADS_THROTTLE_IP_MODE',
      'ADS_THROTTLE_TRUST_PROXY',
      'ADS_THROTTLE_HASH_SECRET',
    ]) {
      assert.ok(
        issues.some((issue) => issue.includes(name)),
        `${name} missing from ${issues.join(' | ')}`,
      );
    }
  });

  it('rejects a key prefix with { or }, which would take the place of the viewer keys’ hash tag', () => {
    for (const prefix of ['{adnova}:', 'adnova{', 'a}b']) {
      const error = configError(() => loadThrottleConfig({ ADS_THROTTLE_KEY_PREFIX: prefix }));
      assert.match(error.message, /ADS_THROTTLE_KEY_PREFIX/);
    }
  });

  it('requires ADS_THROTTLE_HASH_SECRET in production', () => {
    const error = configError(() => loadThrottleConfig({ NODE_ENV: 'production' }));
    assert.match(error.message, /ADS_THROTTLE_HASH_SECRET is required/);
    assert.equal(
      loadThrottleConfig({ NODE_ENV: 'production', ADS_THROTTLE_HASH_SECRET: SECRET }).hashSecret,
      SECRET,
    );
  });

  it('options win over the environment', () => {
    const config = loadThrottleConfig(
      { ADS_VIEW_REPEAT_THRESHOLD: '7', NODE_ENV: 'production' },
      { threshold: 9, hashSecret: SECRET, onError: 'hide' },
    );
    assert.equal(config.threshold, 9);
    assert.equal(config.onError, 'hide');
  });
});

describe('resolveThrottleConfig', () => {
  it('merges options over the defaults', () => {
    const config = resolveThrottleConfig({ hashSecret: SECRET, threshold: 3 });
    assert.equal(config.threshold, 3);
    assert.equal(config.windowSeconds, defaultThrottleConfig.windowSeconds);
  });

  it('rejects a missing or short secret and bad values', () => {
    configError(() => resolveThrottleConfig({}));
    configError(() => resolveThrottleConfig({ hashSecret: SECRET, threshold: 1.5 }));
    configError(() => resolveThrottleConfig({ hashSecret: SECRET, trustProxy: ['10.0.0.0/99'] }));
  });
});

describe('findInvalidThrottleValues', () => {
  it('checks T >= 1, W >= 1, B >= 0, E >= 0', () => {
    assert.deepEqual(
      findInvalidThrottleValues({ windowSeconds: 1, threshold: 1, blockSeconds: 0, eventRecordSeconds: 0 }),
      [],
    );
    assert.deepEqual(
      findInvalidThrottleValues({
        windowSeconds: 0,
        threshold: 0,
        blockSeconds: -1,
        eventRecordSeconds: 'x',
      }).map((b) => b.field),
      ['windowSeconds', 'threshold', 'blockSeconds', 'eventRecordSeconds'],
    );
  });
});
