// One "process" of the two-process concurrency test: waits for "go" on stdin, then fires DECISIONS
// concurrent decisions for one viewer against the shared Redis, and prints how many were shown.
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createRedisStore } from '../src/redis.store.ts';
import { createAdsThrottle } from '../src/throttle.ts';

const client = new Redis(process.env.REDIS_URL ?? '');
const throttle = createAdsThrottle({
  config: {
    hashSecret: process.env.ADS_THROTTLE_HASH_SECRET ?? '',
    keyPrefix: process.env.ADS_THROTTLE_KEY_PREFIX ?? '',
    threshold: Number(process.env.ADS_VIEW_REPEAT_THRESHOLD),
    breakerFailures: 0,
  },
  store: createRedisStore({ client }),
});
const decisions = Number(process.env.DECISIONS);
const viewer = { userId: 'shared-client', remoteAddress: '10.0.0.1', headers: { 'user-agent': 'ua' } };

await client.ping();
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const results = await Promise.all(
    Array.from({ length: decisions }, () => throttle.decide(viewer, { scope: '/ads' })),
  );
  const shown = results.filter((decision) => decision.show).length;
  const errors = results.filter((decision) => decision.reason === 'error').length;
  process.stdout.write(`${JSON.stringify({ shown, hidden: decisions - shown, errors })}\n`);
  break;
}
lines.close();
await client.quit();
