import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildTestApp,
  createTestDatabase,
  json,
  needsPostgres,
  startTestApp,
  startTwoAppsOnOneDatabase,
  usingPostgres,
} from '../../test/helper.ts';

const advance = (app: Awaited<ReturnType<typeof startTestApp>>['app'], day: unknown) =>
  app.inject({ method: 'POST', url: '/time/advance', payload: { current_date: day } });

test('POST /time/advance: echo, same day allowed, never backwards, strict types', async (t) => {
  const { app } = await buildTestApp(t);
  assert.deepEqual(json(await app.inject({ method: 'GET', url: '/time' })), { current_date: 0 });
  const res = await advance(app, 7);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { current_date: 7 });
  assert.deepEqual(json(await app.inject({ method: 'GET', url: '/time' })), { current_date: 7 });
  assert.equal((await advance(app, 7)).statusCode, 200);
  const back = await advance(app, 6);
  assert.equal(back.statusCode, 400);
  assert.deepEqual(json(back), { detail: "current_date can't be less than setted date (7)." });
  for (const bad of [-1, 1.5, '8', null, true])
    assert.equal((await advance(app, bad)).statusCode, 400, String(bad));
  assert.equal((await app.inject({ method: 'POST', url: '/time/advance', payload: {} })).statusCode, 400);
});

test('concurrent advances never move the clock backwards', async (t) => {
  const { app } = await buildTestApp(t);
  const days = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
  await Promise.all(days.map((d) => advance(app, d)));
  const back = await advance(app, 28);
  assert.equal(back.statusCode, 400);
  assert.match(json<{ detail: string }>(back).detail, /\(29\)/);
});

test('current_date survives a restart (durable)', async (t) => {
  let env: Record<string, string>;
  if (usingPostgres) {
    const database = await createTestDatabase();
    t.after(() => database.drop());
    env = { DATABASE_URL: database.url };
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'adnova-clock-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    env = { DATABASE_URL: `file://${join(dir, 'pglite')}` };
  }
  const first = await startTestApp(env);
  assert.equal((await advance(first.app, 12)).statusCode, 200);
  await first.close();
  const second = await startTestApp(env);
  t.after(() => second.close());
  const back = await advance(second.app, 11);
  assert.deepEqual(json(back), { detail: "current_date can't be less than setted date (12)." });
});

test('current_date is shared by every process on one database', { skip: needsPostgres }, async (t) => {
  const [one, two] = await startTwoAppsOnOneDatabase(t);
  await advance(one.app, 5);
  assert.deepEqual(json(await advance(two.app, 4)), {
    detail: "current_date can't be less than setted date (5).",
  });
});
