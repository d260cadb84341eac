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
    assert.match(describeBackends(loadConfig({}, '/srv')), /planner=on \(re-plans every 60 s\)/);
    assert.match(describeBackends(loadConfig({ PLANNER_ENABLED: 'false' }, '/srv')), /planner=off/);
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
    const config = loadConfig(
      { NODE_ENV: 'production', ADS_THROTTLE_HASH_SECRET: SECRET, ADMIN_SESSION_SECRET: SECRET },
      '/srv',
    );
    assert.equal(config.throttle.hashSecret, SECRET);
  });
});

describe('issue 6: admin panel configuration', () => {
  test('embedded defaults: no password (admin/admin is created), a generated secret, two-week sessions', () => {
    const { admin } = loadConfig({}, '/srv');
    assert.deepEqual(admin, {
      password: undefined,
      sessionSecret: undefined,
      sessionTtlSeconds: 1_209_600,
      loginMaxAttempts: 5,
      loginMaxAttemptsPerIp: 30,
      loginWindowSeconds: 900,
      secureCookies: false,
    });
    assert.equal(loadConfig({ PUBLIC_BASE_URL: 'https://ads.example' }, '/srv').admin.secureCookies, true);
  });

  test('production requires ADMIN_SESSION_SECRET; short secrets and passwords are refused with the rest', () => {
    const production = { NODE_ENV: 'production', ADS_THROTTLE_HASH_SECRET: SECRET };
    assert.ok(problemsOf(production).some((p) => p.includes('ADMIN_SESSION_SECRET is required')));
    const problems = problemsOf({
      ...production,
      ADMIN_SESSION_SECRET: 'short',
      ADMIN_PASSWORD: 'admin',
      ADMIN_LOGIN_MAX_ATTEMPTS: '0',
    });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /ADMIN_SESSION_SECRET must be at least 32 bytes/);
    assert.match(problems.join('\n'), /ADMIN_PASSWORD must be at least 8 characters/);
    assert.match(problems.join('\n'), /ADMIN_LOGIN_MAX_ATTEMPTS/);
  });

  test('issue 12: ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP limits logins per client IP, a positive integer', () => {
    assert.equal(
      loadConfig({ ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP: '100' }, '/srv').admin.loginMaxAttemptsPerIp,
      100,
    );
    for (const bad of ['0', '-1', 'many', '1.5']) {
      assert.ok(
        problemsOf({ ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP: bad }).some((p) =>
          p.includes('ADMIN_LOGIN_MAX_ATTEMPTS_PER_IP'),
        ),
        bad,
      );
    }
  });
});

describe('issue 5: image storage configuration', () => {
  const S3 = {
    S3_ENDPOINT: 'http://minio:9000/',
    S3_BUCKET: 'adnova-media',
    S3_ACCESS_KEY_ID: 'minio',
    S3_SECRET_ACCESS_KEY: 'minio-secret',
  };

  test('default: files under DATA_DIR/media, linked under PUBLIC_BASE_URL/media', () => {
    assert.deepEqual(loadConfig({}, '/srv').storage, {
      kind: 'disk',
      dir: '/srv/data/media',
      publicBaseUrl: 'http://127.0.0.1:8080/media',
    });
    assert.deepEqual(
      loadConfig({ DATA_DIR: '/var/lib/adnova', PUBLIC_BASE_URL: 'https://api.example/' }, '/srv').storage,
      { kind: 'disk', dir: '/var/lib/adnova/media', publicBaseUrl: 'https://api.example/media' },
    );
    assert.match(describeBackends(loadConfig({}, '/srv')), /storage=disk \(\/srv\/data\/media/);
  });

  test('S3 when configured: region us-east-1 and public URL endpoint/bucket by default', () => {
    const config = loadConfig(S3, '/srv');
    assert.deepEqual(config.storage, {
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'adnova-media',
      region: 'us-east-1',
      accessKeyId: 'minio',
      secretAccessKey: 'minio-secret',
      publicBaseUrl: 'http://minio:9000/adnova-media',
    });
    const line = describeBackends(config);
    assert.match(line, /storage=s3 \(http:\/\/minio:9000\/, bucket adnova-media/);
    assert.ok(!line.includes('minio-secret'));
    const custom = loadConfig(
      { ...S3, S3_REGION: 'eu-central-1', S3_PUBLIC_URL: 'http://127.0.0.1:13245/adnova-media/' },
      '/srv',
    ).storage;
    assert.equal(custom.kind === 's3' && custom.region, 'eu-central-1');
    assert.equal(custom.publicBaseUrl, 'http://127.0.0.1:13245/adnova-media');
  });

  test('a partial S3 configuration names every missing variable; bad values are reported', () => {
    const partial = problemsOf({ S3_ENDPOINT: 'http://minio:9000', S3_SECRET_ACCESS_KEY: 'x' });
    assert.equal(partial.length, 1, partial.join('\n'));
    assert.match(partial[0] ?? '', /missing: S3_BUCKET, S3_ACCESS_KEY_ID$/);
    assert.match(problemsOf({ S3_PUBLIC_URL: 'http://cdn' })[0] ?? '', /missing: S3_ENDPOINT, S3_BUCKET/);
    const bad = problemsOf({
      ...S3,
      S3_ENDPOINT: 'ftp://minio',
      S3_BUCKET: 'Bad_Bucket',
      S3_PUBLIC_URL: 'nope',
    });
    assert.equal(bad.length, 3, bad.join('\n'));
    for (const name of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_PUBLIC_URL']) {
      assert.ok(
        bad.some((p) => p.includes(name)),
        `${name} missing from ${bad.join('; ')}`,
      );
    }
  });
});

describe('issue 5: roles, job queue and LLM configuration', () => {
  test('defaults: both roles, the database queue, the offline LLM, all named at start', () => {
    const config = loadConfig({}, '/srv');
    assert.deepEqual(config.roles, ['api', 'worker']);
    assert.equal(config.queue.kind, 'database');
    assert.equal(config.queue.attempts, 5);
    assert.equal(config.queue.resultTtlSeconds, 86_400);
    assert.deepEqual(config.llm, { kind: 'offline', promptsDir: undefined });
    const line = describeBackends(config);
    assert.match(line, /queue=database/);
    assert.match(line, /llm=offline/);
    assert.match(line, /roles=api,worker/);
  });

  test('REDIS_URL selects BullMQ; LLM_BASE_URL an OpenAI-compatible endpoint (key never printed)', () => {
    const config = loadConfig(
      {
        REDIS_URL: 'redis://127.0.0.1:6379/0',
        QUEUE_KEY_PREFIX: 'tenant:queue',
        QUEUE_ATTEMPTS: '2',
        ADNOVA_ROLES: ' worker ',
        LLM_BASE_URL: 'https://llm.api.cloud.yandex.net/v1/',
        LLM_API_KEY: 'secret-key',
        LLM_MODEL: 'gpt://folder/yandexgpt-lite',
        LLM_PROMPTS_DIR: 'prompts',
      },
      '/srv',
    );
    assert.deepEqual(config.roles, ['worker']);
    assert.equal(config.queue.kind, 'bullmq');
    assert.equal(config.queue.kind === 'bullmq' && config.queue.keyPrefix, 'tenant:queue');
    assert.equal(config.queue.attempts, 2);
    assert.equal(config.llm.kind, 'openai');
    assert.equal(config.llm.kind === 'openai' && config.llm.baseUrl, 'https://llm.api.cloud.yandex.net/v1');
    assert.equal(config.llm.promptsDir, '/srv/prompts');
    const line = describeBackends(config);
    assert.match(line, /queue=bullmq/);
    assert.match(line, /llm=openai-compatible \(https:\/\/llm\.api\.cloud\.yandex\.net\/v1, model gpt:\/\//);
    assert.doesNotMatch(line, /secret-key/);
  });

  test('REDIS_SENTINELS selects Sentinel and REDIS_CLUSTER_NODES a cluster, for the cache and the queue', () => {
    const sentinel = loadConfig({
      REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b ,[::1]:26380',
      REDIS_SENTINEL_NAME: 'adnova',
      REDIS_PASSWORD: 'primary-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_DB: '2',
    });
    const expected = {
      mode: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: 'sentinel-b', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'adnova',
      password: 'primary-secret',
      sentinelPassword: 'sentinel-secret',
      db: 2,
    };
    assert.deepEqual(sentinel.cache, { kind: 'redis', redis: expected });
    assert.equal(sentinel.queue.kind === 'bullmq' && sentinel.queue.keyPrefix, 'adnova:queue');
    const line = describeBackends(sentinel);
    assert.match(
      line,
      /cache=redis sentinel \(adnova via sentinel-a:26379,sentinel-b:26379,::1:26380, db 2\)/,
    );
    assert.doesNotMatch(line, /secret/);

    const cluster = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' });
    assert.deepEqual(cluster.cache, {
      kind: 'redis',
      redis: {
        mode: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 6379 },
        ],
        password: undefined,
      },
    });
    // BullMQ's scripts touch several keys of the queue: one hash slot on a cluster.
    assert.equal(cluster.queue.kind === 'bullmq' && cluster.queue.keyPrefix, '{adnova:queue}');
  });

  test('conflicting or malformed Redis variables are all reported at once', () => {
    const problems = problemsOf({
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
    });
    assert.ok(
      problems.some((p) => /set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES/.test(p)),
    );
    const more = problemsOf({
      REDIS_SENTINELS: 'a:26379,b:port,c:99999',
      REDIS_DB: '16',
    });
    assert.ok(
      more.some((p) =>
        p.includes('REDIS_SENTINELS must be a comma-separated list of host:port, got "b:port"'),
      ),
    );
    assert.ok(more.some((p) => p.includes('got "c:99999"')));
    assert.ok(more.some((p) => p.includes('REDIS_DB must be a database number')));
    const cluster = problemsOf({
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
      QUEUE_KEY_PREFIX: 'adnova:queue',
      REDIS_DB: '1',
    });
    assert.ok(
      cluster.some((p) => p.includes('QUEUE_KEY_PREFIX must contain a {hash tag} on a Redis Cluster')),
    );
    assert.ok(cluster.some((p) => p.includes('REDIS_DB must be 0 with REDIS_CLUSTER_NODES')));
    assert.ok(
      problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PASSWORD: 'x' }).some((p) =>
        p.includes('put it in REDIS_URL'),
      ),
    );
  });

  test('bad roles, a half-configured LLM and bad queue numbers are all reported at once', () => {
    const problems = problemsOf({
      ADNOVA_ROLES: 'api,bot',
      LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      QUEUE_ATTEMPTS: '0',
      QUEUE_BACKOFF_MS: 'fast',
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /ADNOVA_ROLES/);
    assert.match(problems.join('\n'), /LLM_MODEL is required/);
    assert.match(problems.join('\n'), /QUEUE_ATTEMPTS/);
    assert.match(problems.join('\n'), /QUEUE_BACKOFF_MS/);
    assert.match(problemsOf({ LLM_MODEL: 'llama3' }).join('\n'), /need LLM_BASE_URL/);
    assert.match(problemsOf({ ADNOVA_ROLES: ',' }).join('\n'), /ADNOVA_ROLES/);
  });
});

test('HTTP_TRUST_PROXY: off by default, true, a hop count or a list of proxies', () => {
  const trust = (value?: string) =>
    loadConfig({ DATABASE_URL: 'memory://', HTTP_TRUST_PROXY: value }).http.trustProxy;
  assert.equal(trust(), false);
  assert.equal(trust('false'), false);
  assert.equal(trust('true'), true);
  assert.equal(trust('2'), 2);
  assert.deepEqual(trust('10.0.0.0/8, 127.0.0.1'), ['10.0.0.0/8', '127.0.0.1']);
});

describe('issue 12: image decoding bounds', () => {
  test('defaults: 4096 × 4096 pixels, two decodes at once, eight waiting', () => {
    assert.deepEqual(loadConfig({}, '/srv').images, {
      maxPixels: 16_777_216,
      decodeConcurrency: 2,
      decodeQueue: 8,
    });
    const images = loadConfig(
      { IMAGE_MAX_PIXELS: '1000000', IMAGE_DECODE_CONCURRENCY: '1', IMAGE_DECODE_QUEUE: '0' },
      '/srv',
    ).images;
    assert.deepEqual(images, { maxPixels: 1_000_000, decodeConcurrency: 1, decodeQueue: 0 });
  });

  test('out-of-range values are reported together, the pixel limit at most the seed’s 89,478,485', () => {
    const problems = problemsOf({
      IMAGE_MAX_PIXELS: '100000000',
      IMAGE_DECODE_CONCURRENCY: '0',
      IMAGE_DECODE_QUEUE: '-1',
    });
    assert.equal(problems.length, 3, problems.join('\n'));
    for (const name of ['IMAGE_MAX_PIXELS', 'IMAGE_DECODE_CONCURRENCY', 'IMAGE_DECODE_QUEUE']) {
      assert.ok(
        problems.some((p) => p.includes(name)),
        `${name} missing from ${problems.join('; ')}`,
      );
    }
  });
});

describe('issue 12: time bounds, load shedding, rate limit and shutdown', () => {
  test('defaults: bounded requests and shutdown, shedding on, no rate limit', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/adnova' }, '/srv');
    assert.deepEqual(config.http.timeouts, {
      requestMs: 30_000,
      headersMs: 10_000,
      keepAliveMs: 72_000,
      handlerMs: 30_000,
    });
    assert.deepEqual(config.http.shed, {
      maxEventLoopDelayMs: 1000,
      maxHeapUsedBytes: undefined,
      maxRssBytes: 0,
      retryAfterSeconds: 5,
    });
    assert.deepEqual(config.http.rateLimit, { max: 0, windowSeconds: 60 });
    assert.equal(config.shutdownTimeoutMs, 10_000);
    assert.equal(config.database.kind === 'postgres' && config.database.statementTimeoutMs, 30_000);
    assert.equal(config.database.kind === 'postgres' && config.database.connectTimeoutMs, 10_000);
  });

  test('every variable is read, and bad values are reported together', () => {
    const config = loadConfig(
      {
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        HTTP_HANDLER_TIMEOUT_MS: '2000',
        HTTP_SHED_EVENT_LOOP_DELAY_MS: '0',
        HTTP_SHED_HEAP_USED_BYTES: '1073741824',
        HTTP_RATE_LIMIT_MAX: '100',
        SHUTDOWN_TIMEOUT_MS: '3000',
      },
      '/srv',
    );
    assert.equal(config.http.timeouts.requestMs, 5000);
    assert.equal(config.http.timeouts.handlerMs, 2000);
    assert.equal(config.http.shed.maxEventLoopDelayMs, 0);
    assert.equal(config.http.shed.maxHeapUsedBytes, 1_073_741_824);
    assert.equal(config.http.rateLimit.max, 100);
    assert.equal(config.shutdownTimeoutMs, 3000);
    const problems = problemsOf({
      HTTP_REQUEST_TIMEOUT_MS: '10',
      HTTP_HANDLER_TIMEOUT_MS: 'soon',
      HTTP_RATE_LIMIT_MAX: '-1',
      SHUTDOWN_TIMEOUT_MS: '0',
      DATABASE_URL: 'postgres://u:p@db/adnova',
      DATABASE_STATEMENT_TIMEOUT_MS: 'x',
    });
    for (const name of [
      'HTTP_REQUEST_TIMEOUT_MS',
      'HTTP_HANDLER_TIMEOUT_MS',
      'HTTP_RATE_LIMIT_MAX',
      'SHUTDOWN_TIMEOUT_MS',
      'DATABASE_STATEMENT_TIMEOUT_MS',
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(name)),
        `${name} reported: ${problems.join('; ')}`,
      );
    }
  });
});

describe('issue 15: PostgreSQL behind a transaction pooler', () => {
  const postgres = (env: Record<string, string> = {}) =>
    loadConfig({ DATABASE_URL: 'postgres://u:p@pgbouncer:6432/adnova', ...env }, '/srv').database;

  test('prepared statements by default, migrations on DATABASE_URL', () => {
    const database = postgres();
    assert.equal(database.kind === 'postgres' && database.preparedStatements, true);
    assert.equal(database.kind === 'postgres' && database.migrateUrl, undefined);
  });

  test('DATABASE_PREPARED_STATEMENTS=false and DATABASE_MIGRATE_URL, both named at start', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u:secret@pgbouncer:6432/adnova',
        DATABASE_PREPARED_STATEMENTS: 'false',
        DATABASE_MIGRATE_URL: 'postgres://u:secret@postgres:5432/adnova',
      },
      '/srv',
    );
    const { database } = config;
    assert.equal(database.kind === 'postgres' && database.preparedStatements, false);
    assert.equal(
      database.kind === 'postgres' && database.migrateUrl,
      'postgres://u:secret@postgres:5432/adnova',
    );
    const line = describeBackends(config);
    assert.match(line, /migrations via postgres:\/\/u:\*+@postgres:5432\/adnova/);
    assert.match(line, /prepared statements off/);
    assert.doesNotMatch(line, /secret/);
  });

  test('bad values are reported with the rest', () => {
    const problems = problemsOf({
      DATABASE_URL: 'postgres://u:p@db/adnova',
      DATABASE_PREPARED_STATEMENTS: 'sometimes',
      DATABASE_MIGRATE_URL: 'mysql://db/adnova',
    });
    assert.ok(problems.some((p) => p.startsWith('DATABASE_PREPARED_STATEMENTS must be true or false')));
    assert.ok(problems.some((p) => p.startsWith('DATABASE_MIGRATE_URL must use postgres:')));
    assert.ok(
      problemsOf({ DATABASE_URL: 'memory://', DATABASE_MIGRATE_URL: 'postgres://db/adnova' }).some((p) =>
        p.startsWith('DATABASE_MIGRATE_URL needs DATABASE_URL'),
      ),
    );
  });
});
