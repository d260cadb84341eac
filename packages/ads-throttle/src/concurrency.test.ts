import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteByPrefix } from '@adnova/test-utils/redis-keys';
import { Redis } from 'ioredis';
import { REDIS_SKIP, REDIS_URL, warnRedisSkipped } from '../test/stores.ts';

const worker = fileURLToPath(new URL('../test/concurrency.worker.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

warnRedisSkipped();

interface WorkerResult {
  shown: number;
  hidden: number;
  errors: number;
}

function startWorker(env: Record<string, string>): {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', worker], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const queue: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else queue.push(line);
      newline = buffer.indexOf('\n');
    }
  });
  child.on('exit', (code) => {
    if (code !== 0) for (const waiter of waiters.splice(0)) waiter(`exit ${code}: ${stderr}`);
  });
  return {
    child,
    lines: {
      next: () =>
        new Promise((resolve) => {
          const line = queue.shift();
          if (line !== undefined) resolve({ value: line, done: false });
          else waiters.push((value) => resolve({ value, done: false }));
        }),
    },
  };
}

describe('two processes sharing Redis', { skip: REDIS_URL ? false : REDIS_SKIP }, () => {
  it('case 37: 2 × 50 concurrent decisions with T=20 show ads exactly 20 times', {
    timeout: 30_000,
  }, async () => {
    const env = {
      REDIS_URL,
      ADS_THROTTLE_HASH_SECRET: 'concurrency-secret-0123456789abcdefgh',
      ADS_THROTTLE_KEY_PREFIX: `ads-throttle-test:${randomUUID()}:`,
      ADS_VIEW_REPEAT_THRESHOLD: '20',
      DECISIONS: '50',
    };
    const workers = [startWorker(env), startWorker(env)];
    try {
      for (const w of workers) assert.equal((await w.lines.next()).value, 'ready');
      for (const w of workers) w.child.stdin.write('go\n');
      const results: WorkerResult[] = [];
      for (const w of workers)
        results.push(JSON.parse((await w.lines.next()).value as string) as WorkerResult);
      assert.equal(
        results.reduce((sum, r) => sum + r.errors, 0),
        0,
      );
      assert.equal(
        results.reduce((sum, r) => sum + r.shown, 0),
        20,
      );
      assert.equal(
        results.reduce((sum, r) => sum + r.hidden, 0),
        80,
      );
    } finally {
      for (const w of workers) w.child.kill();
      const client = new Redis(REDIS_URL);
      await deleteByPrefix(client, env.ADS_THROTTLE_KEY_PREFIX);
      await client.quit();
    }
  });
});
