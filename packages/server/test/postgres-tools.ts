import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Whether this process is root, which PostgreSQL and PgBouncer refuse to run as (CI is root). */
export const isRoot = process.getuid?.() === 0;

/**
 * Runs `command args…` as the `postgres` user when this process is root, as itself otherwise; its
 * stdout. Throws with the command's stderr when it fails.
 */
export async function runAsPostgres(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  try {
    const { stdout } = await run(file, argv, { env: { ...process.env, ...env }, timeout: 120_000 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr?.trim() || String(error)}`);
  }
}

/** Hands `path` (recursively) to the `postgres` user when this process is root, as `.ci/run` does. */
export async function chownToPostgres(path: string): Promise<void> {
  if (isRoot) await run('chown', ['-R', 'postgres:postgres', path]);
}

/** One SQL statement on a connection of its own to `url`; its rows. */
export async function sqlOn<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** `url` with its database name replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Polls `check` every 100 ms until it returns true; throws naming `what` after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Why the PostgreSQL tests that start servers of their own cannot run here, or undefined: they
 * need `DATABASE_URL` on this machine (127.0.0.1 or localhost), that server's own version of the
 * Debian binaries (`/usr/lib/postgresql/<major>/bin`, returned as `bin`), and, as root, `runuser`
 * and a `postgres` user to run them as.
 */
export async function localPostgres(
  adminUrl: string,
): Promise<{ bin: string; skip?: undefined } | { bin?: undefined; skip: string }> {
  if (!adminUrl) return { skip: 'DATABASE_URL not set' };
  const host = new URL(adminUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host))
    return { skip: `DATABASE_URL's server (${host}) is not on this machine` };
  let major: number;
  try {
    const [row] = await sqlOn<{ v: string }>(adminUrl, "SELECT current_setting('server_version_num') AS v");
    major = Math.floor(Number(row?.v) / 10_000);
  } catch (error) {
    return { skip: `DATABASE_URL unreachable (${String(error)})` };
  }
  const bin = `/usr/lib/postgresql/${major}/bin`;
  for (const tool of ['pg_basebackup', 'pg_ctl'])
    if (!existsSync(`${bin}/${tool}`))
      return { skip: `${bin}/${tool} missing (apt-get install postgresql-${major})` };
  if (isRoot) {
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser'))
      return { skip: 'running as root without runuser' };
    try {
      await run('id', ['postgres']);
    } catch {
      return { skip: 'running as root without a postgres user to run PostgreSQL as' };
    }
  }
  return { bin };
}
