import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownToPostgres, runAsPostgres, sqlOn, waitFor } from './postgres-tools.ts';
import { freePort } from './server-process.ts';

/** A streaming replica of a local PostgreSQL, in a temporary directory of its own. */
export type Replica = {
  /** `database` on the replica, with the primary's credentials. */
  url(database: string): string;
  /** Waits until the replica has replayed everything the primary had written when called. */
  caughtUp(): Promise<void>;
  /** Stops applying the primary's changes (`pg_wal_replay_pause`); it keeps answering reads. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** An outage: the replica's server stops (fast shutdown, its connections are cut). */
  stop(): Promise<void>;
  /** Starts it again after `stop`, streaming from the primary. */
  start(): Promise<void>;
  /** Stops it if running and deletes its directory. */
  remove(): Promise<void>;
};

// Hot standby refuses to open for reads with less of these than the primary has.
const AT_LEAST_PRIMARY = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
];

/**
 * Clones the PostgreSQL at `adminUrl` (a superuser or replication role; its pg_hba must allow
 * `host replication` from 127.0.0.1, as initdb's defaults do) with `pg_basebackup -R` and starts
 * the copy as a hot standby on a free port of 127.0.0.1, streaming from it. `bin` holds the
 * server's own version of the binaries (see `localPostgres`).
 */
export async function startReplica(adminUrl: string, bin: string): Promise<Replica> {
  const dir = await mkdtemp(join(tmpdir(), 'adnova-replica-'));
  const data = join(dir, 'data');
  let port = await freePort();
  let running = false;
  // Clients were given the first port: a restart must use it again.
  let started = false;
  const ctl = (...args: string[]) => runAsPostgres(`${bin}/pg_ctl`, ['-D', data, ...args]);
  const url = (database: string) => {
    const u = new URL(adminUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const replica: Replica = {
    url,
    async caughtUp() {
      const [primary] = await sqlOn<{ lsn: string }>(adminUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
      await waitFor('the replica to replay the primary', async () => {
        const [row] = await sqlOn<{ done: boolean }>(
          url('postgres'),
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
          [primary?.lsn],
        );
        return row?.done === true;
      });
    },
    async pauseReplay() {
      await sqlOn(url('postgres'), 'SELECT pg_wal_replay_pause()');
      await waitFor('replay to pause', async () => {
        const [row] = await sqlOn<{ state: string }>(
          url('postgres'),
          'SELECT pg_get_wal_replay_pause_state() AS state',
        );
        return row?.state === 'paused';
      });
    },
    async resumeReplay() {
      await sqlOn(url('postgres'), 'SELECT pg_wal_replay_resume()');
    },
    async stop() {
      if (!running) return;
      await ctl('-m', 'fast', '-w', 'stop');
      running = false;
    },
    async start() {
      if (running) return;
      const minimums = await sqlOn<{ name: string; setting: string }>(
        adminUrl,
        'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
        [AT_LEAST_PRIMARY],
      );
      const log = join(dir, 'replica.log');
      for (let attempt = 1; ; attempt++) {
        const options = [
          `-c port=${port}`,
          '-c listen_addresses=127.0.0.1',
          `-c unix_socket_directories=${dir}`,
          '-c hot_standby=on',
          '-c fsync=off',
          ...minimums.map((m) => `-c ${m.name}=${m.setting}`),
        ].join(' ');
        try {
          await ctl('-l', log, '-w', '-t', '60', '-o', options, 'start');
          break;
        } catch (error) {
          // freePort can race with other tests picking ports at the same moment: another port then.
          const logged = await readFile(log, 'utf8').catch(() => '');
          const taken = logged.includes(`port ${port}`) && /Address already in use/.test(logged);
          if (started || attempt === 3 || !taken) throw new Error(`${String(error)}\n${logged}`);
          port = await freePort();
        }
      }
      running = true;
      started = true;
      await waitFor('the replica to stream from the primary', async () => {
        const [row] = await sqlOn<{ status: string }>(
          url('postgres'),
          'SELECT status FROM pg_stat_wal_receiver',
        );
        return row?.status === 'streaming';
      });
    },
    async remove() {
      await replica.stop().catch(() => ctl('-m', 'immediate', 'stop').catch(() => {}));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await chownToPostgres(dir);
    // -X stream: the WAL written meanwhile comes along; -N, --no-manifest: a throwaway copy.
    await runAsPostgres(`${bin}/pg_basebackup`, [
      '-d',
      adminUrl,
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '-N',
      '--no-manifest',
    ]);
    await replica.start();
    return replica;
  } catch (error) {
    await replica.remove();
    throw error;
  }
}
