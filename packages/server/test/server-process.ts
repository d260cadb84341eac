import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@adnova/test-utils/ports';
import { createTestDatabase } from '@adnova/test-utils/stores';

export { freePort };

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export type ServerProcess = { base: string; proc: ChildProcess; stop(): Promise<void> };

/**
 * Spawns the real server (`src/main.ts`) on 127.0.0.1:`port` with test defaults under `env`;
 * `detached` puts it in a process group of its own, `stdout: 'pipe'` keeps its log lines and
 * `stderr: 'pipe'` its errors.
 */
export function spawnServer(
  port: number,
  env: Record<string, string>,
  options: {
    detached?: boolean;
    stdout?: 'ignore' | 'pipe';
    stderr?: 'inherit' | 'pipe';
    /** More flags for node (the bench's `--cpu-prof`); cluster workers inherit them. */
    nodeArgs?: string[];
  } = {},
): ChildProcess {
  return spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', '--conditions=source', main],
    {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // As in every test app: on a busy machine a process that just started (tsx compiling modules
        // on first use) can lag its loop past any bound, and shed requests would fail unrelated
        // assertions. The benchmark passes '' to measure with the production default.
        HTTP_SHED_EVENT_LOOP_DELAY_MS: '0',
        // One process, whatever the machine's cores (the default on PostgreSQL with Redis is one per
        // core): tests that want a cluster ask for it.
        ADNOVA_WORKERS: '1',
        ...env,
      },
      detached: options.detached ?? false,
      stdio: ['ignore', options.stdout ?? 'ignore', options.stderr ?? 'inherit'],
    },
  );
}

/**
 * Starts the real server (`src/main.ts`) as a child process on 127.0.0.1 and waits until it
 * answers `/livez`; used by multi-process tests and the benchmark. `stdout: 'pipe'` keeps its log
 * lines readable on `proc.stdout`.
 *
 * The port is free when chosen, but another test's server may take it before this one listens
 * (a server on port 0 can be given it): then that server answers `/livez` and this one fails to
 * listen. So the answer counts only once the child holds the port's listening socket (on Linux,
 * from /proc); otherwise the child is stopped and started again on another port.
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { stdout?: 'ignore' | 'pipe'; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const started = await startOnFreePort(env, options);
    if (started) return started;
    if (attempt === 3) throw new Error('server did not start: another process kept taking its port');
  }
}

/** The server on a port chosen now; undefined when another process answered on that port. */
async function startOnFreePort(
  env: Record<string, string>,
  options: { stdout?: 'ignore' | 'pipe'; nodeArgs?: string[] },
): Promise<ServerProcess | undefined> {
  const port = await freePort();
  const proc = spawnServer(port, env, options);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/livez`)).ok) {
        if (await listensOn(proc.pid, port)) return { base, proc, stop };
        // Another process answered: wait for the child to listen there or fail, then try again.
        if (proc.exitCode === null) await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
        if (proc.exitCode !== null || i > 300) {
          await stop();
          return undefined;
        }
        continue;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`server did not start (exit code ${proc.exitCode})`);
}

/**
 * Whether process `pid` holds the listening TCP socket of `port`: its descriptors' socket inodes
 * against /proc/net/tcp{,6}. True where /proc cannot tell (not Linux).
 */
async function listensOn(pid: number | undefined, port: number): Promise<boolean> {
  if (pid === undefined) return false;
  if (!existsSync('/proc/net/tcp')) return true;
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listening = new Set<string>();
  try {
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is field 1, st field 3 (0A: LISTEN), inode field 9.
        if (fields[1]?.endsWith(hex) && fields[3] === '0A' && fields[9]) listening.add(fields[9]);
      }
    }
    if (listening.size === 0) return false;
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && listening.has(inode)) return true;
    }
    return false;
  } catch {
    return true;
  }
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * The real server (`startServerProcess`) on a fresh PostgreSQL database of `DATABASE_URL`'s
 * server, or on an in-memory PGlite when `DATABASE_URL` is not set (`database` is then
 * undefined); `env(database)` adds to the server's environment and may prepare the database. After the test the server stops
 * first, then its database is dropped: a server still querying a dropped database (directly or
 * through a pooler) would wait out its shutdown timeout.
 */
export async function serverOnFreshDatabase(
  t: Pick<TestContext, 'after'>,
  env: (database: TestDatabase | undefined) => Record<string, string> | Promise<Record<string, string>>,
  options: { stdout?: 'ignore' | 'pipe' } = {},
): Promise<ServerProcess & { database: TestDatabase | undefined }> {
  const database = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  let server: ServerProcess | undefined;
  t.after(async () => {
    await server?.stop();
    await database?.drop();
  });
  server = await startServerProcess(
    { DATABASE_URL: database?.url ?? 'memory://', ...(await env(database)) },
    options,
  );
  return { ...server, database };
}
