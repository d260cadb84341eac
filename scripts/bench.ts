// Benchmarks GET /ads against a trivial route in the same run, with wrk, on PGlite and (when
// DATABASE_URL is set) PostgreSQL. Loads a generated data set with a bulk loader first.
// Usage: npm run bench [-- --db pglite|postgres|both --duration 10 --connections 64
//                           --clients 100000 --campaigns 1000 --scores 1000000 --skip-throttle]
//        npm run bench -- --attack [--db …]   issue 12's attacks: /livez latency and memory under them
// PostgreSQL runs with REDIS_URL (when set) for the throttle's counters, as in production;
// PGlite runs fully embedded (no Redis), as `npm start` does.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upsertAdvertisers } from '@adnova/core/advertisers/advertisers';
import { createCampaign } from '@adnova/core/campaigns/campaigns';
import { upsertClients } from '@adnova/core/clients/clients';
import { loadConfig } from '@adnova/core/config';
import { createDeps } from '@adnova/core/deps';
import { upsertMlScoreRows } from '@adnova/core/ml-scores/ml-scores.repo';
import { generateWorkload } from '@adnova/core/workload/workload';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { bulkAttack, describeAttack, timeTravelAttack } from '../packages/server/test/attacks.ts';
import { startServerProcess } from '../packages/server/test/server-process.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.DATABASE_URL ? 'both' : 'pglite' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    clients: { type: 'string', default: '100000' },
    advertisers: { type: 'string', default: '100' },
    campaigns: { type: 'string', default: '1000' },
    scores: { type: 'string', default: '1000000' },
    'skip-throttle': { type: 'boolean', default: false },
    attack: { type: 'boolean', default: false },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));

function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.log('wrk not found: installing it from Debian packages (apt-get install -y wrk)…');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit' });
}

const size = {
  clients: Number(values.clients),
  advertisers: Number(values.advertisers),
  campaigns: Number(values.campaigns),
  mlScores: Number(values.scores),
  days: 1,
};

async function load(databaseUrl: string): Promise<string[]> {
  const started = performance.now();
  const w = generateWorkload(size, 4242);
  const deps = await createDeps(loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }));
  const bar = new cliProgress.SingleBar(
    { format: ' loading {bar} {percentage}% | {stage}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(4, 0, { stage: 'advertisers' });
  await upsertAdvertisers(deps, w.advertisers);
  bar.increment(1, { stage: `${w.clients.length} clients` });
  await upsertClients(deps, w.clients);
  bar.increment(1, { stage: `${w.campaigns.length} campaigns` });
  for (const { advertiser_id, campaign } of w.campaigns) {
    // Every campaign runs on day 0 so the whole inventory competes.
    await createCampaign(deps, advertiser_id, { ...campaign, start_date: 0, end_date: 0 });
  }
  bar.increment(1, { stage: `${w.mlScores.length} ML scores` });
  await upsertMlScoreRows(deps.db, w.mlScores);
  bar.increment(1, { stage: 'done' });
  bar.stop();
  await deps.close();
  console.log(
    `loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (bulk upserts, one statement per chunk)`,
  );
  return w.clients.map((c) => c.client_id);
}

type WrkResult = { rps: number; p50: number; p99: number; requests: number; non2xx: number; errors: number };

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

function wrk(url: string, script?: string): WrkResult {
  const args = ['-t2', `-c${values.connections}`, `-d${values.duration}s`, '--latency', '--timeout', '10s'];
  if (script) args.push('-s', script);
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    errors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
  };
}

/** What the server's own metrics say about the run: GET /ads outcomes and mean selection time. */
async function adOutcomes(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  const out: Record<string, number> = {};
  for (const outcome of ['served', 'no_fill', 'throttled', 'unknown_client'])
    out[outcome] = value(new RegExp(`^adnova_ad_requests_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm'));
  const sum = value(/^adnova_ad_selection_seconds_sum (\S+)$/m);
  const count = value(/^adnova_ad_selection_seconds_count (\S+)$/m);
  out.selection_ms_mean = count > 0 ? Number(((sum / count) * 1000).toFixed(2)) : 0;
  return out;
}

/**
 * A database of its own for one bench run: PGlite in a temporary directory, or a fresh PostgreSQL
 * database `name` next to DATABASE_URL's; `cleanup` removes it.
 */
async function benchDatabase(
  kind: 'pglite' | 'postgres',
  name: string,
): Promise<{ databaseUrl: string; cleanup: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'adnova-bench-'));
    return {
      databaseUrl: `file://${join(dir, 'pglite')}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error('DATABASE_URL is required for the PostgreSQL bench');
  const sql = async (statements: string[]) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      for (const statement of statements) await c.query(statement);
    } finally {
      await c.end();
    }
  };
  const drop = `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`;
  await sql([drop, `CREATE DATABASE ${name}`]);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return { databaseUrl: u.toString(), cleanup: () => sql([drop]) };
}

/** The server as production runs it; embedded mode is embedded throughout (in-process counters). */
function startBenchServer(kind: 'pglite' | 'postgres', databaseUrl: string) {
  return startServerProcess({
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    ADS_THROTTLE_HASH_SECRET: randomBytes(32).toString('hex'),
    ADMIN_SESSION_SECRET: randomBytes(32).toString('hex'),
    // Load shedding as configured in production (the test helper switches it off).
    HTTP_SHED_EVENT_LOOP_DELAY_MS: '',
    ...(kind === 'pglite' ? { REDIS_URL: '' } : {}),
  });
}

async function benchOne(kind: 'pglite' | 'postgres'): Promise<Record<string, unknown>> {
  const { databaseUrl, cleanup } = await benchDatabase(kind, 'adnova_bench');
  console.log(`\n[${kind}] ${size.clients} clients, ${size.campaigns} campaigns, ${size.mlScores} ML scores`);
  const ids = await load(databaseUrl);
  const script = join(mkdtempSync(join(tmpdir(), 'adnova-wrk-')), 'ads.lua');
  writeFileSync(
    script,
    `local ids = {${ids.map((id) => `"${id}"`).join(',')}}\nmath.randomseed(7)\nrequest = function()\n  return wrk.format("GET", "/ads?client_id=" .. ids[math.random(#ids)])\nend\n`,
  );
  const server = await startBenchServer(kind, databaseUrl);
  try {
    // Warm-up: JIT, connection pool, caches.
    wrk(`${server.base}/livez`);
    const trivial = wrk(`${server.base}/livez`);
    const ads = wrk(`${server.base}/ads`, script);
    const outcomes = await adOutcomes(server.base);
    return { kind, trivial, ads, ratio: ads.rps / trivial.rps, outcomes };
  } finally {
    await server.stop();
    await cleanup();
  }
}

/**
 * `--attack`: issue 12's public-request attacks against a fresh server per database, with
 * `/livez` probed and memory sampled throughout (no data set is loaded).
 */
async function attackOne(kind: 'pglite' | 'postgres') {
  const { databaseUrl, cleanup } = await benchDatabase(kind, 'adnova_attack');
  const server = await startBenchServer(kind, databaseUrl);
  try {
    return { kind, reports: [await bulkAttack(server.base), await timeTravelAttack(server.base)] };
  } finally {
    await server.stop();
    await cleanup();
  }
}

async function attacks(kinds: ('pglite' | 'postgres')[]): Promise<void> {
  const results = [];
  for (const kind of kinds) results.push(await attackOne(kind));
  console.log('\nissue 12 attacks (the bounds: /livez within 1 s, RSS under 1 GiB):');
  for (const r of results)
    for (const report of r.reports) console.log(`${r.kind.padEnd(9)} | ${describeAttack(report)}`);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  const file = join(root, 'bench-results', `attack-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, results }, null, 2));
  console.log(`\nsaved ${file}`);
}

async function main(): Promise<void> {
  if (values.attack) {
    const kinds: ('pglite' | 'postgres')[] =
      values.db === 'both' ? ['pglite', 'postgres'] : [values.db === 'postgres' ? 'postgres' : 'pglite'];
    await attacks(kinds);
    return;
  }
  ensureWrk();
  const kinds: ('pglite' | 'postgres')[] =
    values.db === 'both' ? ['pglite', 'postgres'] : [values.db === 'postgres' ? 'postgres' : 'pglite'];
  if (!kinds.includes('postgres'))
    console.warn('*** PostgreSQL bench SKIPPED: set DATABASE_URL to run it ***');
  const results = [];
  for (const kind of kinds) results.push(await benchOne(kind));
  console.log(`\nwrk -t2 -c${values.connections} -d${values.duration}s (node ${process.version})`);
  console.log('database  | route  | req/s     | p50 ms | p99 ms | non-2xx | ratio to /livez');
  type Row = {
    kind: string;
    trivial: WrkResult;
    ads: WrkResult;
    ratio: number;
    outcomes: Record<string, number>;
  };
  for (const r of results as Row[]) {
    const row = (route: string, x: WrkResult, ratio: string) =>
      console.log(
        `${r.kind.padEnd(9)} | ${route.padEnd(6)} | ${x.rps.toFixed(0).padStart(9)} | ${x.p50.toFixed(2).padStart(6)} | ${x.p99.toFixed(2).padStart(6)} | ${String(x.non2xx).padStart(7)} | ${ratio}`,
      );
    row('/livez', r.trivial, '1.00');
    row('/ads', r.ads, r.ratio.toFixed(2));
  }
  console.log(
    "\nGET /ads outcomes by the server's /metrics (non-2xx above = no_fill + throttled + unknown):",
  );
  for (const r of results as Row[]) console.log(`${r.kind.padEnd(9)} | ${JSON.stringify(r.outcomes)}`);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  const file = join(root, 'bench-results', `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ size, connections: values.connections, duration: values.duration, results }, null, 2),
  );
  console.log(`\nsaved ${file}`);

  // The CPU part of selection, in process, without and with the planner's prices (issue 13).
  console.log('\nIn-process selection at 1,000 campaigns (no database):');
  execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(root, 'packages/core/bench/selection.ts')],
    { stdio: 'inherit', cwd: root },
  );

  if (!values['skip-throttle']) {
    // The ads-throttle library's own benchmark: decisions per second, memory and Redis stores.
    console.log('\nads-throttle decisions per second (REDIS_URL set → Redis store too):');
    execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', join(root, 'packages/ads-throttle/bench/decisions.ts')],
      { stdio: 'inherit', cwd: root },
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
