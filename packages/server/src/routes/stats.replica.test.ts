import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@adnova/core/config';
import { openDatabase } from '@adnova/core/db/database';
import { createDeps } from '@adnova/core/deps';
import { sql } from 'drizzle-orm';
import { buildTestApp, createTestDatabase, json, needsPostgres, seed } from '../../test/helper.ts';

test('statistics read from DATABASE_READ_URL; everything else from the primary', {
  skip: needsPostgres,
}, async (t) => {
  // A stand-in "replica": a second, migrated database that never receives the primary's writes,
  // so a read that lands there is visible.
  const replica = await createTestDatabase();
  t.after(() => replica.drop());
  const migrated = await openDatabase({ kind: 'postgres', url: replica.url, poolSize: 1 });
  await migrated.migrate();
  await migrated.close();

  const { app } = await buildTestApp(t, { DATABASE_READ_URL: replica.url });
  const s = seed(app);
  const advertiser = await s.advertiser();
  const campaign = await s.campaign(advertiser.advertiser_id);
  // The campaign is on the primary (the API reads it back) …
  const read = await app.inject({
    method: 'GET',
    url: `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
  });
  assert.equal(read.statusCode, 200);
  // … and statistics, served from the replica, do not see it yet.
  const stats = await app.inject({ method: 'GET', url: `/stats/campaigns/${campaign.campaign_id}` });
  assert.equal(stats.statusCode, 404, json(stats) as string);
});

test('the read pool runs read-only transactions', { skip: needsPostgres }, async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const opened = await openDatabase({
    kind: 'postgres',
    url: database.url,
    poolSize: 1,
    readUrl: database.url,
  });
  t.after(() => opened.close());
  await opened.migrate();
  await assert.rejects(
    opened.readDb.execute(sql`INSERT INTO health_probes (id) VALUES (gen_random_uuid())`),
    (error: Error) => {
      assert.match(String((error.cause as Error | undefined)?.message), /read-only transaction/);
      return true;
    },
  );
});

test('DATABASE_READ_URL needs PostgreSQL; DATABASE_MIGRATE=false refuses pending migrations', async (t) => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'memory://', DATABASE_READ_URL: 'postgres://replica/adnova' }),
    /DATABASE_READ_URL needs DATABASE_URL to be a postgres/,
  );
  const config = loadConfig({ DATABASE_URL: 'memory://', DATABASE_MIGRATE: 'false', LOG_LEVEL: 'silent' });
  await assert.rejects(createDeps(config), /Pending database migrations .*ADNOVA_ROLES=migrate/);
  // The migrator role applies them even with DATABASE_MIGRATE=false.
  const migrator = await createDeps({ ...config, roles: ['migrate'] });
  t.after(() => migrator.close());
  assert.deepEqual(await migrator.database.pendingMigrations(), []);
});
