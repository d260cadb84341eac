import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase, DATABASE_URL } from '@adnova/test-utils/stores';
import { sql } from 'drizzle-orm';
import { upsertAdvertisers } from '../advertisers/advertisers.ts';
import { loadConfig } from '../config.ts';
import { rows } from '../db/database.ts';
import { createDeps, type Deps } from '../deps.ts';
import { CATALOG_COLUMNS, CATALOG_COUNTER_COLUMNS } from './campaigns.repo.ts';
import { createCampaign } from './campaigns.ts';

// Every process caches the running campaigns and reloads them when `catalog_version` moves; the
// trigger `campaigns_catalog_version` moves it. A served column the trigger does not watch would
// leave every cached catalog stale after an edit, silently. Runs on PGlite, and on PostgreSQL
// when DATABASE_URL is set.
let deps: Deps;
let dropDatabase: (() => Promise<void>) | undefined;
before(async () => {
  const database = DATABASE_URL ? await createTestDatabase() : undefined;
  dropDatabase = database?.drop;
  deps = await createDeps(
    loadConfig({
      DATABASE_URL: database?.url ?? 'memory://',
      LOG_LEVEL: 'silent',
      ADS_THROTTLE_ENABLED: 'false',
      PLANNER_ENABLED: 'false',
    }),
  );
});
after(async () => {
  await deps?.close();
  await dropDatabase?.();
});

/** Set once by the database, never updated: nothing to watch. */
const IMMUTABLE = ['id', 'seq'];

test('the catalog-version trigger watches exactly the columns the catalog serves from', async () => {
  const watched = await rows<{ column: string }>(
    deps.db,
    sql`SELECT a.attname AS column
          FROM pg_trigger t
          JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr::int2[])
         WHERE t.tgname = 'campaigns_catalog_version'`,
  );
  const expected = CATALOG_COLUMNS.filter((c) => !IMMUTABLE.includes(c));
  assert.deepEqual(watched.map((w) => w.column).sort(), [...expected].sort());
  for (const counter of CATALOG_COUNTER_COLUMNS)
    assert.ok(!watched.some((w) => w.column === counter), `${counter} is not watched: SQL enforces the caps`);
});

test('editing a served column moves the catalog version; recording an impression does not', async () => {
  const advertiser = { advertiser_id: randomUUID(), name: 'Acme' };
  await upsertAdvertisers(deps, [advertiser]);
  const campaign = await createCampaign(deps, advertiser.advertiser_id, {
    impressions_limit: 10,
    clicks_limit: 5,
    cost_per_impression: 1,
    cost_per_click: 2,
    ad_title: 't',
    ad_text: 'x',
    start_date: 0,
    end_date: 5,
  });
  const version = async () =>
    Number((await rows<{ version: string }>(deps.db, sql`SELECT version FROM catalog_version`))[0]?.version);
  const before = await version();
  await deps.db.execute(sql`UPDATE campaigns SET impressions_count = impressions_count + 1
                              WHERE id = ${campaign.campaign_id}::uuid`);
  assert.equal(await version(), before, 'a counter update leaves cached catalogs valid');
  await deps.db.execute(
    sql`UPDATE campaigns SET target_location = 'Kazan' WHERE id = ${campaign.campaign_id}::uuid`,
  );
  assert.ok((await version()) > before, 'a served column changed: every process reloads');
});
