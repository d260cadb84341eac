import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { FakeTelegram, said } from '@adnova/test-utils/fake-telegram';
import { createTestDatabase, usingPostgres } from './helper.ts';
import { freePort, spawnServer } from './server-process.ts';

const REDIS_URL = process.env.REDIS_URL ?? '';
const BOUND_MS = 3000;

type LogLine = {
  level: number;
  msg: string;
  pid?: number;
  slot?: number;
  worker?: number;
  [key: string]: unknown;
};

/** The real server with ADNOVA_WORKERS, its pino lines kept; killed with its workers after the test. */
type Cluster = {
  base: string;
  port: number;
  proc: ChildProcess;
  logs: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

async function startCluster(t: TestContext, env: Record<string, string>): Promise<Cluster> {
  const port = await freePort();
  const proc = spawnServer(
    port,
    {
      LOG_LEVEL: 'info',
      // Production: no per-request log lines.
      NODE_ENV: 'production',
      ADS_THROTTLE_HASH_SECRET: randomUUID() + randomUUID(),
      ADMIN_SESSION_SECRET: randomUUID() + randomUUID(),
      SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
      ...env,
    },
    // Its own process group: the after hook kills the primary and every worker, whatever happened.
    { detached: true, stdout: 'pipe' },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    try {
      if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const logs: LogLine[] = [];
  let partial = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  const cluster = { base: `http://127.0.0.1:${port}`, port, proc, logs, exited };
  // Started: every worker listens (the primary says so), or the single process does.
  await until(() => logs.some((l) => l.msg.startsWith('AdNova API on')), 90_000, 'the start line', proc);
  return cluster;
}

/** Polls `check` every 100 ms until it holds; fails after `ms`, or at once if `proc` exited. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string, proc?: ChildProcess) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (proc && proc.exitCode !== null) assert.fail(`the server exited (${proc.exitCode}) before ${what}`);
    if (Date.now() > deadline) assert.fail(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GET on a connection of its own (no keep-alive pool): the cluster hands each one to a worker. */
function get(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** One value of an unlabelled series (or a labelled one, written out) in Prometheus text. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** The process ids of `pid`'s child processes, from /proc. */
function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Which of `pids` holds the server end of the connection `socket` (to 127.0.0.1:`port`): the
 * socket's inode from /proc/net/tcp, then each process's open descriptors.
 */
function owner(socket: Socket, port: number, pids: number[]): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex(port)}`) && f[2]?.endsWith(`:${hex(socket.localPort ?? 0)}`));
  const inode = row?.[9];
  if (!inode) return undefined;
  return pids.find((pid) =>
    readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    }),
  );
}

/** A keep-alive connection that has had one answer (so a worker holds it). */
async function openAnswered(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  await answered;
  return socket;
}

const LIVEZ_COUNT = 'http_request_duration_seconds_count{method="GET",route="/livez",status_code="200"}';

test('issue 14: ADNOVA_WORKERS=2 on PostgreSQL + Redis: two workers on one port, /metrics summed, a killed worker restarted, SIGTERM stops all', {
  skip:
    usingPostgres && REDIS_URL
      ? false
      : 'needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): ADNOVA_WORKERS runs one process on embedded PGlite',
  timeout: 180_000,
}, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const prefix = `adnova:test:${randomUUID()}:`;
  const server = await startCluster(t, {
    ADNOVA_WORKERS: '2',
    DATABASE_URL: database.url,
    REDIS_URL,
    ADS_THROTTLE_KEY_PREFIX: prefix,
    QUEUE_KEY_PREFIX: `${prefix}queue`,
  });
  const primary = server.proc.pid ?? 0;

  // One start line from the primary, naming the workers; the migrations were applied once by it.
  const starts = server.logs.filter((l) => l.msg.startsWith('AdNova backends:'));
  assert.equal(starts.length, 1);
  assert.match(starts[0]?.msg ?? '', / workers=2$/);
  const workers = children(primary);
  assert.equal(workers.length, 2, `the primary's children: ${workers.join(', ')}`);
  assert.deepEqual(
    server.logs
      .filter((l) => l.msg === 'worker listening')
      .map((l) => l.pid)
      .sort(),
    [...workers].sort(),
  );

  // Connections are answered by both worker processes.
  const sockets = await Promise.all(Array.from({ length: 8 }, () => openAnswered(server.port)));
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  const owners = sockets.map((s) => owner(s, server.port, workers));
  assert.deepEqual(new Set(owners), new Set(workers), `connection owners: ${owners.join(', ')}`);
  for (const s of sockets) s.destroy();

  // /metrics, whichever worker answers it, counts every worker's requests (and nothing twice).
  const before = series((await get(server.base, '/metrics')).body, LIVEZ_COUNT) ?? 0;
  for (let i = 0; i < 10; i++) assert.equal((await get(server.base, '/livez')).status, 200);
  for (let i = 0; i < 4; i++) {
    const scrape = await get(server.base, '/metrics');
    assert.equal(scrape.status, 200);
    assert.equal(series(scrape.body, LIVEZ_COUNT), before + 10);
    assert.equal(series(scrape.body, 'adnova_cluster_workers'), 2);
    assert.equal(series(scrape.body, 'adnova_cluster_worker_restarts_total'), 0);
    // Process metrics are the workers' sum; the start time (one per process) is left out.
    assert.ok((series(scrape.body, 'process_resident_memory_bytes') ?? 0) > 0);
    assert.equal(series(scrape.body, 'process_start_time_seconds'), undefined);
  }

  // SIGKILL one worker: the port keeps answering, and the primary starts another in its place.
  const [killed, survivor] = workers as [number, number];
  process.kill(killed, 'SIGKILL');
  await until(() => !alive(killed), 5000, 'exit of the killed worker');
  // Fresh connections go to the workers alive; none is lost.
  for (let i = 0; i < 20; i++) {
    assert.equal((await get(server.base, '/livez')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await until(
    () =>
      children(primary).length === 2 &&
      server.logs.some(
        (l) => l.msg === 'worker listening' && l.pid !== killed && !workers.includes(l.pid ?? 0),
      ),
    60_000,
    'replacement worker',
    server.proc,
  );
  const replacement = children(primary).find((pid) => pid !== survivor);
  assert.ok(replacement !== undefined && replacement !== killed);
  const restartLine = server.logs.find((l) => l.msg === 'worker exited unexpectedly; restarting it');
  assert.equal(restartLine?.pid, killed);
  assert.equal(restartLine?.signal, 'SIGKILL');
  const after = await get(server.base, '/metrics');
  assert.equal(series(after.body, 'adnova_cluster_workers'), 2);
  assert.equal(series(after.body, 'adnova_cluster_worker_restarts_total'), 1);

  // SIGTERM to the primary: every worker shuts down gracefully, the primary exits 0 within the bound.
  const started = Date.now();
  server.proc.kill('SIGTERM');
  const { code } = await server.exited;
  const ms = Date.now() - started;
  assert.equal(code, 0, 'a clean shutdown exits 0');
  assert.ok(ms < BOUND_MS, `exited after ${ms} ms (bound ${BOUND_MS} ms)`);
  for (const pid of [survivor, replacement]) assert.ok(!alive(pid), `worker ${pid} is gone`);
  assert.equal(server.logs.filter((l) => l.msg === 'shut down').length, 3, 'two workers and the primary');
});

/** One variable of a running process's environment, from /proc. */
function environ(pid: number, name: string): string | undefined {
  const entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

test('issue 14: with the Telegram bot and ADNOVA_WORKERS=2, one worker polls and both workers accept its calls (one shared secret)', {
  skip: usingPostgres
    ? false
    : 'needs PostgreSQL (DATABASE_URL): ADNOVA_WORKERS runs one process on embedded PGlite',
  timeout: 120_000,
}, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const tg = await FakeTelegram.start();
  t.after(() => tg.close());
  const server = await startCluster(t, {
    ADNOVA_WORKERS: '2',
    DATABASE_URL: database.url,
    REDIS_URL: '',
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    BOT_API_TOKEN: '',
  });
  await until(() => tg.calls.some((c) => c.method === 'getUpdates'), 30_000, 'the bot polling', server.proc);
  // Give a second poller, if there were one, time to start.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal(tg.calls.filter((c) => c.method === 'getMe').length, 1, 'one bot started');
  // The bot-only secret is generated once by the primary and shared by both workers, since the
  // bot's calls reach either of them through the shared port.
  const workers = children(server.proc.pid ?? 0);
  assert.equal(workers.length, 2);
  const secrets = workers.map((pid) => environ(pid, 'BOT_API_TOKEN'));
  assert.ok(secrets[0] && secrets[0].length >= 32);
  assert.equal(secrets[0], secrets[1]);

  const advertiser = randomUUID();
  const post = (path: string, body: unknown) =>
    fetch(`${server.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify(body),
    });
  assert.equal(
    (await post('/advertisers/bulk', [{ advertiser_id: advertiser, name: 'Clustered' }])).status,
    201,
  );
  const { code } = (await (await post(`/advertisers/${advertiser}/link_codes`, {})).json()) as {
    code: string;
  };
  assert.equal((await post('/telegram/links', { code, telegram_user_id: 1 })).status, 401);
  const user = tg.user();
  assert.match(said(await user.send(code)), /Successfully authenticated as Clustered/);
  assert.match(said(await user.send('/campaigns')), /no campaigns yet/);
  server.proc.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});

test('issue 14: ADNOVA_WORKERS=2 on PostgreSQL without Redis runs two workers and warns that counters are per process', {
  skip: usingPostgres
    ? false
    : 'needs PostgreSQL (DATABASE_URL): ADNOVA_WORKERS runs one process on embedded PGlite',
  timeout: 120_000,
}, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const server = await startCluster(t, { ADNOVA_WORKERS: '2', DATABASE_URL: database.url, REDIS_URL: '' });
  const warning = server.logs.find(
    (l) => l.level === 40 && l.msg.startsWith('ADNOVA_WORKERS=2 without REDIS_URL'),
  );
  assert.ok(warning, 'the per-process counters warning');
  assert.equal(children(server.proc.pid ?? 0).length, 2);
  assert.equal((await get(server.base, '/livez')).status, 200);
  server.proc.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});

test('issue 14: ADNOVA_WORKERS=2 on embedded PGlite runs one process and says so', {
  timeout: 120_000,
}, async (t) => {
  const server = await startCluster(t, { ADNOVA_WORKERS: '2', DATABASE_URL: 'memory://', REDIS_URL: '' });
  const warning = server.logs.find((l) => l.level === 40 && l.msg.includes('ADNOVA_WORKERS=2 ignored'));
  assert.equal(warning?.msg, 'ADNOVA_WORKERS=2 ignored: the embedded PGlite database is single-process');
  assert.match(server.logs.find((l) => l.msg.startsWith('AdNova backends:'))?.msg ?? '', / workers=1$/);
  // No forked workers: this process serves, with its own metrics.
  assert.deepEqual(children(server.proc.pid ?? 0), []);
  assert.equal((await get(server.base, '/livez')).status, 200);
  const metrics = await get(server.base, '/metrics');
  assert.equal(metrics.status, 200);
  assert.equal(series(metrics.body, 'adnova_cluster_workers'), undefined);
  assert.ok((series(metrics.body, 'process_start_time_seconds') ?? 0) > 0);
  server.proc.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});
