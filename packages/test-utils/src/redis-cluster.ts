import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RedisConnection } from '@adnova/core/cache/redis-connection';
import { Redis } from 'ioredis';
import { onPath, type RedisProcess, startRedisProcess } from './redis-process.ts';

/**
 * A real Redis Cluster for the tests of issue 15: three primaries (no replicas) from Debian's
 * `redis-server --cluster-enabled yes` on loopback ports, joined by `redis-cli --cluster create`,
 * stopped by the returned `stop()`.
 */

/**
 * Why the Cluster tests do not run here, or false when they do. They start three servers per
 * test file and take seconds, so they run in the real-backends pass only (CI sets `REDIS_URL` there).
 */
export const CLUSTER_SKIP: string | false = !(onPath('redis-server') && onPath('redis-cli'))
  ? 'redis-server and redis-cli not installed (Debian: apt-get install redis-server): Redis Cluster tests skipped'
  : !process.env.REDIS_URL
    ? 'REDIS_URL not set: Redis Cluster tests skipped (they run in the real-backends pass, with REDIS_URL)'
    : false;

/**
 * Makes a run without the cluster visibly partial: a yellow line, and one skipped test carrying the
 * reason so the runner's summary counts it (a skipped `describe` counts nothing).
 */
export function announceClusterSkip(what: string): void {
  if (!CLUSTER_SKIP) return;
  console.warn(`\x1b[33m*** ${what}: ${CLUSTER_SKIP} ***\x1b[0m`);
  test(`${what} on Redis Cluster`, { skip: CLUSTER_SKIP }, () => {});
}

export type RedisCluster = {
  /** `REDIS_CLUSTER_NODES` for the API: every primary's host:port. */
  nodes: string;
  ports: number[];
  /** The same, as the config's connection. */
  connection: RedisConnection & { mode: 'cluster' };
  /** Kills the node on `port` (SIGKILL: a crash) and waits for it to exit. */
  crash(port: number): Promise<void>;
  /** Starts the crashed node on `port` again from its nodes.conf: same id, same slots (no-op if running). */
  restart(port: number): Promise<void>;
  /**
   * Freezes the node on `port` (SIGSTOP): its sockets stay open but it answers nothing, as a hung
   * or partitioned server; `resume` (SIGCONT) thaws it.
   */
  pause(port: number): void;
  resume(port: number): void;
  /** The port of the node serving hash slot `slot`. */
  portOfSlot(slot: number): Promise<number>;
  /** Resolves once every running node reports `cluster_state:<state>`; fails after `timeoutMs`. */
  waitForState(state: 'ok' | 'fail', timeoutMs?: number): Promise<void>;
  /** Kills every node and removes their files; safe to call twice and after a failed start. */
  stop(): Promise<void>;
};

/**
 * One cluster for a test file, started by the first `get()` (so a file whose cluster tests are
 * skipped starts none) and stopped by `stop()`, which the file calls in its `after` hook.
 */
export function lazyRedisCluster(): { get(): Promise<RedisCluster>; stop(): Promise<void> } {
  let cluster: Promise<RedisCluster> | undefined;
  return {
    get() {
      cluster ??= startRedisCluster();
      return cluster;
    },
    async stop() {
      await (await cluster?.catch(() => undefined))?.stop();
    },
  };
}

/** A node's bus (gossip) port: its port + 10000, fixed by Redis. */
const BUS_OFFSET = 10_000;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 whose bus port (+10000) is free too; `taken` are not offered. */
async function freeNodePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    // Below the usual ephemeral range (32768…), and leaving room for the bus port under 65536.
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if ((await portFree(port)) && (await portFree(port + BUS_OFFSET))) return port;
  }
  throw new Error('no free port pair (port, port + 10000) found on 127.0.0.1');
}

/** Starts one cluster-enabled node on `port` and waits until it answers. */
function startNode(dir: string, port: number, nodeTimeoutMs: number): Promise<RedisProcess> {
  return startRedisProcess(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      dir,
    ],
    port,
  );
}

function run(program: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (chunk) => {
      output += chunk;
    });
    proc.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${program} ${args.join(' ')}: exit ${code ?? signal}\n${output.slice(-1000)}`));
    });
  });
}

/** `CLUSTER INFO` of one node as a map. */
async function clusterInfo(port: number): Promise<Map<string, string>> {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    const text = String(await client.call('CLUSTER', 'INFO'));
    return new Map(
      text
        .split('\r\n')
        .filter((line) => line.includes(':'))
        .map((line) => line.split(':', 2) as [string, string]),
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Starts three cluster-enabled primaries on free loopback ports, joins them with
 * `redis-cli --cluster create` (the 16384 slots split three ways) and resolves once every node
 * says `cluster_state:ok` and knows the other two, so a client's first command is routed right.
 * `nodeTimeoutMs` is `cluster-node-timeout`: how long a silent node takes to be called failed.
 */
export async function startRedisCluster(
  options: { size?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const { size = 3, nodeTimeoutMs = 2000 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'adnova-cluster-'));
  const started: RedisProcess[] = [];
  /** Nodes crashed (to restart) and paused: `waitForState` asks neither. */
  const crashed = new Set<number>();
  const paused = new Set<number>();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(started.map((node) => node.kill()));
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const waitForState = async (state: 'ok' | 'fail', timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (const { port } of started.filter((node) => !crashed.has(node.port) && !paused.has(node.port))) {
      for (;;) {
        // A node just restarted may refuse a moment longer.
        const info = await clusterInfo(port).catch(() => new Map<string, string>());
        if (
          info.get('cluster_state') === state &&
          (state === 'fail' ||
            (info.get('cluster_known_nodes') === String(size) && info.get('cluster_slots_ok') === '16384'))
        )
          break;
        if (Date.now() > deadline)
          throw new Error(
            `cluster node ${port} not ${state} within ${timeoutMs} ms: ${JSON.stringify([...info])}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  try {
    const taken = new Set<number>();
    for (let n = 0; n < size; n++) {
      // Another process may take a port between the check and the bind: try other ports.
      for (let attempt = 1; ; attempt++) {
        const port = await freeNodePort(taken);
        taken.add(port);
        taken.add(port + BUS_OFFSET);
        try {
          started.push(await startNode(dir, port, nodeTimeoutMs));
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    }
    const ports = started.map((node) => node.port);
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
      60_000,
    );
    // `--cluster create` returns once the slots are assigned; the nodes learn of each other by
    // gossip on the bus ports a little later.
    await waitForState('ok');
    return {
      nodes: nodes.join(','),
      ports,
      connection: { mode: 'cluster', nodes: ports.map((port) => ({ host: '127.0.0.1', port })) },
      async crash(port) {
        crashed.add(port);
        await started.find((n) => n.port === port)?.kill();
      },
      async restart(port) {
        if (!crashed.has(port)) return;
        const at = started.findIndex((n) => n.port === port);
        if (at < 0) throw new Error(`no cluster node on port ${port}`);
        started[at] = await startNode(dir, port, nodeTimeoutMs);
        crashed.delete(port);
      },
      pause(port) {
        paused.add(port);
        started.find((n) => n.port === port)?.proc.kill('SIGSTOP');
      },
      resume(port) {
        started.find((n) => n.port === port)?.proc.kill('SIGCONT');
        paused.delete(port);
      },
      async portOfSlot(slot) {
        const port = ports.find((p) => !crashed.has(p) && !paused.has(p));
        const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
        client.on('error', () => {});
        try {
          const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
          const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
          if (!owner) throw new Error(`no node serves slot ${slot}`);
          return Number(owner[2][1]);
        } finally {
          client.disconnect();
        }
      },
      waitForState,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
