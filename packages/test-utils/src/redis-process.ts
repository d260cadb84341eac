import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';

/** True when `program` is on the PATH. */
export const onPath = (program: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

export type RedisProcess = {
  port: number;
  proc: ChildProcess;
  /** Ends the process with `signal` (default SIGKILL: a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * Runs `program` (`redis-server` or `redis-sentinel`) with `args`, which must make it listen on
 * `port`, and resolves once the server answering there is this process (`INFO server` names its
 * `process_id`): between a free-port probe and the bind, a test running in parallel may have taken
 * the port, and its server would answer. Rejects, with the program's last output, when it exits
 * or does not answer within 10 s; the caller may then try another port.
 */
export async function startRedisProcess(
  program: string,
  args: string[],
  port: number,
): Promise<RedisProcess> {
  const proc: ChildProcess = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    for (let i = 0; i < 100 && proc.exitCode === null; i++) {
      try {
        if (probe.status !== 'ready') await probe.connect();
        const info = String(await probe.call('INFO', 'server'));
        if (/process_id:(\d+)/.exec(info)?.[1] === String(proc.pid)) return { port, proc, kill };
        break;
      } catch {
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    probe.disconnect();
  }
  await kill();
  throw new Error(`${program} on port ${port} did not start: ${output.slice(-500)}`);
}
