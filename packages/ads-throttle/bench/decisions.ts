// Decisions per second for the memory store and, when REDIS_URL is set, the Redis store.
// Run: node --import tsx --conditions=source packages/ads-throttle/bench/decisions.ts
// Each part runs for a fixed time, so the script ends by itself in about 10 seconds.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createMemoryStore } from '../src/memory.store.ts';
import { createRedisStore } from '../src/redis.store.ts';
import type { ThrottleStore } from '../src/store.ts';
import { createAdsThrottle } from '../src/throttle.ts';
import type { ViewerInput } from '../src/viewer.ts';

// biome-ignore lint/style/noProcessEnv: a standalone script; REDIS_URL only switches its optional Redis part on.
const redisUrl = process.env.REDIS_URL ?? '';
const SECONDS_PER_RUN = 2;
const VIEWERS = 10_000;
// One prefix per run, so cleanup deletes exactly the keys this script wrote.
const runPrefix = `ads-throttle-bench:${randomUUID()}:`;

const viewers: ViewerInput[] = Array.from({ length: VIEWERS }, (_, i) => ({
  userId: i % 3 === 0 ? `u${i}` : undefined,
  remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  headers: { 'user-agent': `bench-agent/${i % 7}` },
  path: `/articles/${i % 50}/`,
}));

async function measure(label: string, store: ThrottleStore, concurrency: number): Promise<void> {
  const throttle = createAdsThrottle({
    config: {
      hashSecret: 'benchmark-secret-0123456789abcdefghij',
      threshold: 20,
      keyPrefix: `${runPrefix}${label.replace(/\W+/g, '-')}:`,
    },
    store,
  });
  const deadline = performance.now() + SECONDS_PER_RUN * 1000;
  const start = performance.now();
  let done = 0;
  let shown = 0;
  const lane = async (offset: number) => {
    let i = offset;
    while (performance.now() < deadline) {
      const viewer = viewers[i % VIEWERS];
      i += concurrency;
      if ((await throttle.decide(viewer)).show) shown += 1;
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane_) => lane(lane_)));
  const seconds = (performance.now() - start) / 1000;
  const rate = Math.round(done / seconds);
  console.log(
    `${label.padEnd(34)} ${String(rate).padStart(9)} decisions/s  (${done} in ${seconds.toFixed(1)} s, ${shown} shown, errors ${throttle.stats().reasons.error})`,
  );
}

console.log(`ads-throttle decisions benchmark, ${VIEWERS} viewers, T=20, ${SECONDS_PER_RUN} s per run`);
await measure('memory, sequential', createMemoryStore(), 1);
await measure('memory, 64 concurrent', createMemoryStore(), 64);

if (redisUrl) {
  const client = new Redis(redisUrl);
  const deleteRunKeys = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  };
  try {
    await measure('redis, sequential', createRedisStore({ client }), 1);
    await measure('redis, 64 concurrent', createRedisStore({ client }), 64);
  } finally {
    await deleteRunKeys();
    await client.quit();
  }
} else {
  console.log('redis: skipped (set REDIS_URL, e.g. redis://127.0.0.1:6379/15, to include it)');
}
