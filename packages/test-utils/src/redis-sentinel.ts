import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';
import { onPath, type RedisProcess, startRedisProcess } from './redis-process.ts';

/**
 * Real Redis topologies for the tests of issue 15, started from Debian's `redis-server` and
 * `redis-sentinel` on loopback ports and stopped by the returned `stop()`.
 */

/** Why the Sentinel tests cannot run here, or false when they can. */
export const SENTINEL_SKIP: string | false =
  onPath('redis-server') && onPath('redis-sentinel')
    ? false
    : 'redis-server and redis-sentinel not installed (Debian: apt-get install redis-server redis-sentinel): Sentinel tests skipped';

/**
 * Starts `program` on a free port, trying another port when the chosen one was taken meanwhile
 * (tests start servers in parallel); `args` builds the arguments for a port.
 */
async function startOnFreePort(
  program: string,
  args: (port: number) => Promise<string[]> | string[],
): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startRedisProcess(program, await args(port), port);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

export type SentinelGroup = {
  /** `REDIS_SENTINELS` for the API: the three sentinels' host:port list. */
  sentinels: string;
  name: string;
  primary: RedisProcess;
  replica: RedisProcess;
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
};

/**
 * A primary, one replica and three sentinels watching them (quorum 2). The sentinels call the
 * primary down after `downAfterMs` without an answer and then promote the replica. Resolves once
 * every sentinel knows the replica and the other two sentinels, so a failover can start at once.
 */
export async function startSentinelGroup(name = 'adnova', downAfterMs = 1000): Promise<SentinelGroup> {
  const dir = await mkdtemp(join(tmpdir(), 'adnova-sentinel-'));
  const started: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.kill('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const server = (extra: string[] = []) =>
      startOnFreePort('redis-server', (port) => [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extra,
      ]).then((p) => {
        started.push(p);
        return p;
      });
    const primary = await server();
    const replica = await server(['--replicaof', '127.0.0.1', String(primary.port)]);

    const sentinelPorts = await Promise.all(
      [1, 2, 3].map(async () => {
        const sentinel = await startOnFreePort('redis-sentinel', async (port) => {
          // A sentinel rewrites its own file (what it learns of the group): one each.
          const file = join(dir, `sentinel-${port}.conf`);
          await writeFile(
            file,
            [
              `port ${port}`,
              'bind 127.0.0.1',
              `dir ${dir}`,
              `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
              `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
              `sentinel failover-timeout ${name} 10000`,
              `sentinel parallel-syncs ${name} 1`,
              '',
            ].join('\n'),
          );
          return [file];
        });
        started.push(sentinel);
        return sentinel.port;
      }),
    );

    const ask = async (port: number, ...args: string[]) => {
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      try {
        return await client.call('SENTINEL', ...args);
      } finally {
        client.disconnect();
      }
    };
    const deadline = Date.now() + 30_000;
    for (const port of sentinelPorts) {
      for (;;) {
        const replicas = (await ask(port, 'replicas', name)) as unknown[];
        const peers = (await ask(port, 'sentinels', name)) as unknown[];
        if (replicas.length === 1 && peers.length === 2) break;
        if (Date.now() > deadline)
          throw new Error(`sentinel ${port} sees ${replicas.length} replicas, ${peers.length} peers`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return {
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      name,
      primary,
      replica,
      async primaryPort() {
        for (const port of sentinelPorts) {
          try {
            const [, primaryPort] = (await ask(port, 'get-master-addr-by-name', name)) as [string, string];
            return Number(primaryPort);
          } catch {
            // this sentinel is not answering; ask the next
          }
        }
        throw new Error('no sentinel answered');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
