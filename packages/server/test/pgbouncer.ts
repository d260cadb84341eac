import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownToPostgres, isRoot, waitFor } from './postgres-tools.ts';
import { freePort } from './server-process.ts';

/** Debian's `pgbouncer` binary (`apt-get install pgbouncer`), or undefined when not installed. */
export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

export type PgBouncer = {
  /** `database` through the pooler, with the upstream's credentials. */
  url(database: string): string;
  /** Its process, for CPU accounting. */
  proc: ChildProcess;
  /** Stops it (immediate shutdown) and deletes its directory. */
  stop(): Promise<void>;
};

/**
 * A real PgBouncer in transaction mode on a free port of 127.0.0.1, in front of `upstreamUrl`'s
 * server (every database name passes through), with at most `serverPoolSize` server connections
 * per database and user. Configured the way README's "Beyond one machine" asks an operator to:
 * it ignores the `options` startup parameter (the settings come from the database instead).
 */
export async function startPgBouncer(upstreamUrl: string, serverPoolSize: number): Promise<PgBouncer> {
  // freePort can race with other tests picking ports at the same moment: another port then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(upstreamUrl, serverPoolSize, await freePort());
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 3) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(upstreamUrl: string, serverPoolSize: number, port: number): Promise<PgBouncer> {
  if (!PGBOUNCER) throw new Error('pgbouncer is not installed');
  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username);
  const password = decodeURIComponent(upstream.password);
  const dir = await mkdtemp(join(tmpdir(), 'adnova-pgbouncer-'));
  const ini = join(dir, 'pgbouncer.ini');
  const log = join(dir, 'pgbouncer.log');
  await writeFile(join(dir, 'userlist.txt'), `"${user}" "${password.replaceAll('"', '""')}"\n`);
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      // A plain-text password in the user list: PgBouncer answers the client's SCRAM with it and
      // logs in to the server with it.
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${serverPoolSize}`,
      'max_client_conn = 1000',
      'ignore_startup_parameters = options',
      `logfile = ${log}`,
      '',
    ].join('\n'),
  );
  await chownToPostgres(dir);
  // It refuses to run as root: `-u` switches to the postgres user, and the process stays ours to stop.
  const proc = spawn(PGBOUNCER, [...(isRoot ? ['-u', 'postgres'] : []), '-q', ini], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Its own log line, not merely an open port: that could be another test's server.
    await waitFor(
      'pgbouncer to listen',
      async () =>
        proc.exitCode !== null ||
        ((await readFile(log, 'utf8').catch(() => '')).includes(`listening on 127.0.0.1:${port}`) &&
          (await listening(port))),
      10_000,
    );
    if (proc.exitCode !== null) {
      const logged = await readFile(log, 'utf8').catch(() => '');
      if (/Address already in use/.test(logged + stderr)) throw new PortTaken(`port ${port} taken`);
      throw new Error(`pgbouncer exited (${proc.exitCode}): ${stderr}${logged}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url(database) {
      const u = new URL(upstreamUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.pathname = `/${database}`;
      return u.toString();
    },
    proc,
    stop,
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
