import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { type AttackReport, bulkAttack, describeAttack, timeTravelAttack } from './attacks.ts';
import { createTestDatabase, usingPostgres } from './helper.ts';
import { startServerProcess } from './server-process.ts';

/** The bounds of issue 12's "done when": a trivial answer within 1 s, the process under 1 GB. */
const LIVEZ_MAX_MS = 1000;
const RSS_MAX_BYTES = 2 ** 30;

/**
 * The server under attack, without event-loop shedding like every test server: a shed 503 would
 * hide whether the attacked routes themselves are bounded (`npm run bench -- --attack` measures
 * with it on).
 */
async function attackedServer(t: TestContext) {
  const database = usingPostgres ? await createTestDatabase() : undefined;
  t.after(() => database?.drop());
  const server = await startServerProcess({ DATABASE_URL: database?.url ?? 'memory://', REDIS_URL: '' });
  t.after(() => server.stop());
  return server;
}

function assertHeldUp(report: AttackReport): void {
  const line = describeAttack(report);
  console.log(`# ${line}`);
  assert.ok(report.probes > 0, line);
  assert.ok(report.livezMaxMs < LIVEZ_MAX_MS, `/livez waited too long: ${line}`);
  assert.ok(report.peakRssBytes < RSS_MAX_BYTES, `memory: ${line}`);
}

describe('issue 12: public attacks leave the platform responsive', { timeout: 300_000 }, () => {
  test('finding 2: 3 parallel 12 MB invalid bulk bodies get small 400s while /livez answers', async (t) => {
    const server = await attackedServer(t);
    const report = await bulkAttack(server.base);
    assert.deepEqual(report.statuses, { 400: 6 });
    // 100 issues at most, not the 136 MB list of every element's errors.
    assert.ok(report.largestResponseBytes < 64 * 1024, describeAttack(report));
    assertHeldUp(report);
  });

  test('finding 1: day 2^31 − 1 then daily statistics: bounded answers while /livez answers', async (t) => {
    const server = await attackedServer(t);
    const report = await timeTravelAttack(server.base);
    assert.deepEqual(report.statuses, { 200: 4 });
    // At most 3,660 days of about 150 bytes each.
    assert.ok(report.largestResponseBytes < 1024 * 1024, describeAttack(report));
    assertHeldUp(report);
  });
});
