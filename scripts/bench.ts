// Benchmarks GET /ads against a trivial route in the same run, with wrk, on PGlite and (when
// DATABASE_URL is set) PostgreSQL. Loads a generated data set with a bulk loader first.
// Usage: npm run bench [-- --db pglite|postgres|both --duration 10 --connections 64 --workers 1
//                           --clients 100000 --campaigns 1000 --scores 1000000 --skip-throttle
//                           --prepared-statements on|off --pgbouncer --cpu-prof]
//        npm run bench -- --attack [--db …]   issue 12's attacks: /livez latency and memory under them
// PostgreSQL runs with REDIS_URL (when set) for the throttle's counters, as in production;
// PGlite runs fully embedded (no Redis), as `npm start` does. `--prepared-statements off` runs the
// API with DATABASE_PREPARED_STATEMENTS=false; `--pgbouncer` puts a PgBouncer in transaction mode
// between the PostgreSQL API and the server (issue 15; it needs `--prepared-statements off`).
// `--cpu-prof` profiles the API (node --cpu-prof, every worker) and prints where its CPU went
// during the /ads phase; the profiles stay under bench-results/ for Chrome DevTools.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { upsertAdvertisers } from '@adnova/core/advertisers/advertisers';
import { createCampaign } from '@adnova/core/campaigns/campaigns';
import { upsertClients } from '@adnova/core/clients/clients';
import { loadConfig } from '@adnova/core/config';
import { createDeps } from '@adnova/core/deps';
import { upsertMlScoreRows } from '@adnova/core/ml-scores/ml-scores.repo';
import { generateWorkload } from '@adnova/tools/workload/workload';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { bulkAttack, describeAttack, timeTravelAttack } from '../packages/server/test/attacks.ts';
import { PGBOUNCER, type PgBouncer, startPgBouncer } from '../packages/server/test/pgbouncer.ts';
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
    workers: { type: 'string', default: '1' },
    attack: { type: 'boolean', default: false },
    'prepared-statements': { type: 'string', default: 'on' },
    pgbouncer: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
if (!['on', 'off'].includes(values['prepared-statements'] ?? ''))
  throw new Error('--prepared-statements takes on or off');
const preparedStatements = values['prepared-statements'] === 'on';
if (values.pgbouncer && preparedStatements)
  throw new Error('--pgbouncer needs --prepared-statements off (PgBouncer before 1.21 cannot keep them)');
if (values.pgbouncer && !PGBOUNCER) throw new Error('--pgbouncer: pgbouncer is not installed');
// The API's pool and PgBouncer's server connections per database: the same, so the pooler adds
// its hop and nothing else.
const POOL_SIZE = 20;
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
  for (const outcome of ['more', 'stale', 'resync', 'served_resync', 'busy'])
    out[`statements_${outcome}`] = value(
      new RegExp(`^adnova_serve_statements_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm'),
    );
  const sum = value(/^adnova_ad_selection_seconds_sum (\S+)$/m);
  const count = value(/^adnova_ad_selection_seconds_count (\S+)$/m);
  out.selection_ms_mean = count > 0 ? Number(((sum / count) * 1000).toFixed(2)) : 0;
  // Requests per serving statement: how much the grouping of concurrent requests shares.
  const groups = value(/^adnova_serve_group_requests_count (\S+)$/m);
  const grouped = value(/^adnova_serve_group_requests_sum (\S+)$/m);
  out.serve_group_mean = groups > 0 ? Number((grouped / groups).toFixed(1)) : 0;
  return out;
}

/** CPU ticks (user + system) per process, and the machine's busy and total ticks, from /proc. */
type CpuSample = {
  at: number;
  procs: Map<number, { comm: string; ppid: number; ticks: number }>;
  /** CPU of this process's finished children (wrk, once `execFileSync` has waited for it). */
  children: number;
  busy: number;
  total: number;
};

/** The machine's CPUs as /proc/stat counts them (its first line sums over these). */
const MACHINE_CPUS =
  readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line)).length || availableParallelism();

function sampleCpu(): CpuSample {
  const procs = new Map<number, { comm: string; ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid … utime(14) stime(15); comm may contain spaces and parentheses.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      procs.set(Number(name), {
        comm,
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  const self = readFileSync('/proc/self/stat', 'utf8');
  const own = self.slice(self.lastIndexOf(')') + 2).split(' ');
  const children = Number(own[13]) + Number(own[14]);
  return { at: performance.now(), procs, children, busy: total - idle, total };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** What each part used during a phase: cores (CPU seconds / wall seconds) and % of the machine. */
type CpuBreakdown = { cpus: number; cores: Record<string, number>; share: Record<string, number> };
const CPU_PARTS = ['api', 'postgres', 'pgbouncer', 'redis', 'wrk', 'other', 'machine'] as const;

/**
 * Cores used by each part during a phase (CPU seconds / wall seconds): the API (the server
 * process and its descendants: cluster workers; threads count with their process), PostgreSQL
 * (every process named `postgres`), PgBouncer, Redis, wrk, everything else (this script, other
 * work on the machine), and the machine as a whole (/proc/stat); each also as a share of the
 * machine's CPUs.
 */
function cpuBreakdown(before: CpuSample, after: CpuSample, apiPid: number): CpuBreakdown {
  const wall = (after.at - before.at) / 1000;
  const isApi = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === apiPid) return true;
      p = after.procs.get(p)?.ppid ?? before.procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  // wrk has exited by the second sample: its CPU is in this process's children's times.
  const parts: Record<string, number> = {
    api: 0,
    postgres: 0,
    pgbouncer: 0,
    redis: 0,
    wrk: after.children - before.children,
    other: 0,
  };
  for (const [pid, now] of after.procs) {
    const used = now.ticks - (before.procs.get(pid)?.ticks ?? 0);
    if (used <= 0) continue;
    const part = isApi(pid)
      ? 'api'
      : now.comm === 'postgres'
        ? 'postgres'
        : now.comm === 'pgbouncer'
          ? 'pgbouncer'
          : now.comm.startsWith('redis-server')
            ? 'redis'
            : now.comm === 'wrk'
              ? 'wrk'
              : 'other';
    parts[part] = (parts[part] ?? 0) + used;
  }
  const cores: Record<string, number> = {};
  for (const [part, ticks] of Object.entries(parts)) cores[part] = ticks / CLK_TCK / wall;
  cores.machine = (MACHINE_CPUS * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
  const share: Record<string, number> = {};
  for (const [part, used] of Object.entries(cores)) {
    cores[part] = Number(used.toFixed(2));
    share[part] = Number(((100 * used) / MACHINE_CPUS).toFixed(1));
  }
  return { cpus: MACHINE_CPUS, cores, share };
}

/** wrk against `url` with the CPU each part used meanwhile. */
function measured(url: string, apiPid: number, script?: string): WrkResult & { cpu: CpuBreakdown } {
  const before = sampleCpu();
  const result = wrk(url, script);
  return { ...result, cpu: cpuBreakdown(before, sampleCpu(), apiPid) };
}

/**
 * Waits until the server has warmed its client profile cache (up to `expected` profiles, or until
 * the count stops growing for a few seconds), so `/ads` is measured in the steady state.
 */
async function waitForWarmCache(base: string, expected: number): Promise<number> {
  const deadline = performance.now() + 180_000;
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const cached = Number(/^adnova_client_profiles_cached (\S+)$/m.exec(text)?.[1] ?? 0);
    if (cached >= expected) return cached;
    if (cached !== last) {
      last = cached;
      stableSince = performance.now();
    } else if (performance.now() - stableSince > 5000 || performance.now() > deadline) return cached;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The commit this run measured, and whether the tree had changes on top. */
function gitState(): { commit: string; dirty: boolean } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
  return {
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  };
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
function startBenchServer(
  kind: 'pglite' | 'postgres',
  databaseUrl: string,
  workers = 1,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  return startServerProcess(
    {
      ADNOVA_WORKERS: String(workers),
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      DATABASE_PREPARED_STATEMENTS: String(preparedStatements),
      NODE_ENV: 'production',
      ADS_THROTTLE_HASH_SECRET: randomBytes(32).toString('hex'),
      ADMIN_SESSION_SECRET: randomBytes(32).toString('hex'),
      // Load shedding as configured in production (the test helper switches it off).
      HTTP_SHED_EVENT_LOOP_DELAY_MS: '',
      ...(kind === 'pglite' ? { REDIS_URL: '' } : {}),
      ...env,
    },
    { nodeArgs },
  );
}

/**
 * `--pgbouncer`: a PgBouncer in transaction mode in front of the bench database, set up as README's
 * "Beyond one machine" says: the session settings on the database, migrations past the pooler.
 */
async function throughPgBouncer(
  databaseUrl: string,
): Promise<{ bouncer: PgBouncer; env: Record<string, string> }> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`ALTER DATABASE ${name} SET jit = off`);
    await c.query(`ALTER DATABASE ${name} SET statement_timeout = 30000`);
  } finally {
    await c.end();
  }
  const bouncer = await startPgBouncer(databaseUrl, POOL_SIZE);
  return { bouncer, env: { DATABASE_URL: bouncer.url(name), DATABASE_MIGRATE_URL: databaseUrl } };
}

/** A V8 CPU profile (`node --cpu-prof`): samples of call-tree nodes, microsecond timestamps. */
type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

/**
 * Where each profiled process's CPU went during the /ads phase (`sinceStartMs` to `sinceEndMs`
 * before it exited): self time by origin (the V8 pseudo-frames idle, GC and program; Node's own
 * code; each dependency; each AdNova package) and by function.
 */
function printProfiles(dir: string, sinceStartMs: number, sinceEndMs: number): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const from = profile.endTime - sinceStartMs * 1000;
    const to = profile.endTime - sinceEndMs * 1000;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const byOrigin = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let at = profile.startTime;
    let total = 0;
    for (const [i, id] of profile.samples.entries()) {
      at += profile.timeDeltas[i] ?? 0;
      if (at < from || at > to) continue;
      const frame = frames.get(id);
      if (!frame) continue;
      const url = frame.url.replace(/^file:\/\//, '');
      const origin = !url
        ? frame.functionName.startsWith('(')
          ? frame.functionName
          : '(native)'
        : url.startsWith('node:')
          ? 'node'
          : (/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url)?.[1] ??
            /packages\/([^/]+)\//.exec(url)?.[1]?.replace(/^/, '@adnova/') ??
            'other');
      const where = url ? `${url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
      const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + 1);
      byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
      total++;
    }
    if (total < 100) continue; // the cluster primary: idle
    const top = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
        .join('\n');
    console.log(`\nCPU profile of ${file} during /ads (${total} samples), self time by origin:`);
    console.log(top(byOrigin, 15));
    console.log('by function:');
    console.log(top(byFunction, 25));
  }
  console.log(`profiles: ${dir}`);
}

const adsPhase = { start: 0, end: 0 };

async function benchOne(kind: 'pglite' | 'postgres'): Promise<Record<string, unknown>> {
  const { databaseUrl, cleanup } = await benchDatabase(kind, 'adnova_bench');
  console.log(`\n[${kind}] ${size.clients} clients, ${size.campaigns} campaigns, ${size.mlScores} ML scores`);
  const ids = await load(databaseUrl);
  const script = join(mkdtempSync(join(tmpdir(), 'adnova-wrk-')), 'ads.lua');
  // Each wrk thread draws clients from its own seed (set by `setup` in the main state): with one
  // seed the threads asked for the same clients in the same order, at the same moment.
  writeFileSync(
    script,
    [
      `local ids = {${ids.map((id) => `"${id}"`).join(',')}}`,
      'local threads = 0',
      'function setup(thread) threads = threads + 1; thread:set("seed", 7 + threads) end',
      'function init(args) math.randomseed(seed) end',
      'request = function()',
      '  return wrk.format("GET", "/ads?client_id=" .. ids[math.random(#ids)])',
      'end',
      '',
    ].join('\n'),
  );
  const workers = kind === 'postgres' ? Number(values.workers) : 1;
  if (kind === 'pglite' && Number(values.workers) > 1)
    console.log(
      `[pglite] one process, not ${values.workers}: the embedded database is single-process (--workers applies to PostgreSQL)`,
    );
  const pooled = kind === 'postgres' && values.pgbouncer ? await throughPgBouncer(databaseUrl) : undefined;
  const profiles = values['cpu-prof']
    ? join(root, 'bench-results', `cpu-${kind}-${new Date().toISOString().replaceAll(':', '-')}`)
    : undefined;
  const nodeArgs = profiles ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
  const server = await startBenchServer(kind, databaseUrl, workers, pooled?.env, nodeArgs).catch(
    async (error) => {
      await pooled?.bouncer.stop();
      throw error;
    },
  );
  const apiPid = server.proc.pid ?? 0;
  try {
    // Each worker warms its own cache; /metrics sums them.
    const cached = await waitForWarmCache(server.base, workers * Math.min(size.clients, 100_000));
    console.log(`[${kind}] ${cached} client profiles cached; measuring`);
    // Warm-up: JIT, connection pool.
    wrk(`${server.base}/livez`);
    const trivial = measured(`${server.base}/livez`, apiPid);
    adsPhase.start = performance.now();
    const ads = measured(`${server.base}/ads`, apiPid, script);
    adsPhase.end = performance.now();
    const outcomes = await adOutcomes(server.base);
    return { kind, workers, trivial, ads, ratio: ads.rps / trivial.rps, tail: ads.p99 / ads.p50, outcomes };
  } finally {
    await server.stop();
    // The profiles are written as the processes exit: the /ads phase ended this long before that.
    if (profiles && adsPhase.end > 0)
      printProfiles(profiles, performance.now() - adsPhase.start, performance.now() - adsPhase.end);
    await pooled?.bouncer.stop();
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
  const startedLoad = loadavg();
  for (const kind of kinds) results.push(await benchOne(kind));
  type Measured = WrkResult & { cpu: CpuBreakdown };
  type Row = {
    kind: string;
    workers: number;
    trivial: Measured;
    ads: Measured;
    ratio: number;
    tail: number;
    outcomes: Record<string, number>;
  };
  const rows = results as Row[];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const git = gitState();
  console.log(
    `\nwrk -t2 -c${values.connections} -d${values.duration}s, node ${process.version}, ${MACHINE_CPUS} CPUs, ` +
      `load average ${load(startedLoad)} at start, ${load(loadavg())} at end, commit ${git.commit.slice(0, 7)}${git.dirty ? ' (with changes)' : ''}, ` +
      `prepared statements ${values['prepared-statements']}${values.pgbouncer ? ', PostgreSQL through PgBouncer (transaction mode)' : ''}`,
  );
  // The headline: /ads against /livez of the same run, and how far the tail is from the median.
  console.log('\ndatabase  | workers | /ads req/s | × /livez | /ads p50 ms | /ads p99 ms | p99 / p50');
  for (const r of rows)
    console.log(
      `${r.kind.padEnd(9)} | ${String(r.workers).padStart(7)} | ${r.ads.rps.toFixed(0).padStart(10)} | ${r.ratio.toFixed(3).padStart(8)} | ${r.ads.p50.toFixed(2).padStart(11)} | ${r.ads.p99.toFixed(2).padStart(11)} | ${r.tail.toFixed(1).padStart(9)}`,
    );
  console.log('\ndatabase  | route  | req/s     | p50 ms | p99 ms | non-2xx | errors');
  for (const r of rows) {
    const row = (route: string, x: Measured) =>
      console.log(
        `${r.kind.padEnd(9)} | ${route.padEnd(6)} | ${x.rps.toFixed(0).padStart(9)} | ${x.p50.toFixed(2).padStart(6)} | ${x.p99.toFixed(2).padStart(6)} | ${String(x.non2xx).padStart(7)} | ${String(x.errors).padStart(6)}`,
      );
    row('/livez', r.trivial);
    row('/ads', r.ads);
  }
  // Where the machine's CPU went during each wrk phase (/proc, sampled before and after it).
  console.log(
    `\nCPU during each wrk phase: cores used (share of the machine's ${MACHINE_CPUS} CPUs); API = the server and its workers`,
  );
  const cell = (x: Measured, part: (typeof CPU_PARTS)[number]) =>
    `${(x.cpu.cores[part] ?? 0).toFixed(2)} (${(x.cpu.share[part] ?? 0).toFixed(0).padStart(3)} %)`.padStart(
      12,
    );
  console.log(
    `database  | route  | ${['API', 'PostgreSQL', 'PgBouncer', 'Redis', 'wrk', 'other', 'machine'].map((h) => h.padStart(12)).join(' | ')}`,
  );
  for (const r of rows)
    for (const [route, x] of [
      ['/livez', r.trivial],
      ['/ads', r.ads],
    ] as const)
      console.log(
        `${r.kind.padEnd(9)} | ${route.padEnd(6)} | ${CPU_PARTS.map((part) => cell(x, part)).join(' | ')}`,
      );
  console.log(
    "\nGET /ads outcomes by the server's /metrics (non-2xx above = no_fill + throttled + unknown):",
  );
  for (const r of rows) console.log(`${r.kind.padEnd(9)} | ${JSON.stringify(r.outcomes)}`);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  const file = join(root, 'bench-results', `bench-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...git,
        node: process.version,
        cpus: MACHINE_CPUS,
        clockTicksPerSecond: CLK_TCK,
        requestedWorkers: Number(values.workers),
        preparedStatements,
        pgbouncer: values.pgbouncer,
        loadavg: { start: startedLoad, end: loadavg() },
        args: process.argv.slice(2),
        size,
        connections: values.connections,
        duration: values.duration,
        results,
      },
      null,
      2,
    ),
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
