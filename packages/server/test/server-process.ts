import { type ChildProcess, spawn } from 'node:child_process';
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
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { stdout?: 'ignore' | 'pipe'; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
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
      if ((await fetch(`${base}/livez`)).ok) return { base, proc, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`server did not start (exit code ${proc.exitCode})`);
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
