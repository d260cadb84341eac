import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, type TestContext, test } from 'node:test';
import { openDatabase } from '@adnova/core/db/database';
import { createTestDatabase, DATABASE_URL } from '@adnova/test-utils/stores';
import {
  addAdvertiser,
  addClients,
  type CampaignFields,
  campaignBody,
  postJson,
  statusOf,
} from './api-client.ts';
import { PGBOUNCER, type PgBouncer, startPgBouncer } from './pgbouncer.ts';
import { isRoot, sqlOn } from './postgres-tools.ts';
import { serverOnFreshDatabase, type TestDatabase } from './server-process.ts';

// Issue 15: the API behind a real PgBouncer (Debian's 1.18: no prepared statements in transaction
// mode) with DATABASE_PREPARED_STATEMENTS=false.
function why(): string | false {
  if (!DATABASE_URL) return 'DATABASE_URL not set';
  if (!PGBOUNCER) return 'pgbouncer not installed (apt-get install pgbouncer)';
  if (isRoot) {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root without a postgres user to run pgbouncer as';
    }
  }
  return false;
}
const missing = why();
const skip = missing ? `${missing}: PgBouncer tests skipped` : false;
if (skip) console.log(`\x1b[33m*** ${skip} ***\x1b[0m`);

// Fewer server connections than the API's pool, so one API connection's statements are spread
// over several server connections, as in production behind a pooler.
const SERVER_POOL = 2;
const API_POOL = 8;

/** Gives `database` the settings README asks for behind a pooler (it drops startup options). */
async function applyPoolerSettings(database: TestDatabase): Promise<void> {
  await sqlOn(database.url, `ALTER DATABASE ${database.name} SET jit = off`);
  await sqlOn(database.url, `ALTER DATABASE ${database.name} SET statement_timeout = 30000`);
}

/**
 * The real server on a fresh database through PgBouncer, migrations straight to the primary
 * (DATABASE_MIGRATE_URL) and the pooler settings on the database, seeded with `clients` alike clients and one campaign of `limits`.
 */
async function serverThroughPgBouncer(
  t: TestContext,
  bouncer: PgBouncer,
  env: Record<string, string>,
  seed: { clients: number; limits: Partial<CampaignFields> },
) {
  const server = await serverOnFreshDatabase(
    t,
    async (database) => {
      assert.ok(database);
      await applyPoolerSettings(database);
      return {
        DATABASE_URL: bouncer.url(database.name),
        DATABASE_MIGRATE_URL: database.url,
        DATABASE_POOL_SIZE: String(API_POOL),
        // PostgreSQL behind the pooler alone is under test: in-process cache, database job queue.
        REDIS_URL: '',
        ADS_VIEW_REPEAT_THRESHOLD: '1000',
        LOG_LEVEL: 'error',
        ...env,
      };
    },
    { stdout: 'pipe' },
  );
  assert.ok(server.database);
  const { name, url } = server.database;
  let log = '';
  server.proc.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const clients = await addClients(server.base, seed.clients);
  const { advertiser, campaigns } = await addAdvertiser(server.base, [seed.limits]);
  return {
    base: server.base,
    database: { name, url },
    log: () => log,
    advertiser,
    clients,
    campaignId: campaigns[0] ?? '',
    body: campaignBody(seed.limits),
  };
}

/** Every client asks for an ad at once; the statuses, and who was served. */
async function burst(base: string, clients: string[]) {
  const answers = await Promise.all(
    clients.map(async (client) => {
      const res = await fetch(`${base}/ads?client_id=${client}`);
      return { client, status: res.status, text: await res.text() };
    }),
  );
  return {
    statuses: answers.map((a) => a.status),
    served: answers.filter((a) => a.status === 200).map((a) => a.client),
  };
}

describe('issue 15: the API behind PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer | undefined;
  before(
    async () => {
      if (!skip) bouncer = await startPgBouncer(DATABASE_URL, SERVER_POOL);
    },
    { timeout: 30_000 },
  );
  after(() => bouncer?.stop());

  test('startup options do not pass PgBouncer: the settings come from the database, and a missing one is reported', {
    skip,
    timeout: 30_000,
  }, async (t) => {
    assert.ok(bouncer);
    const open = async (url: string) => {
      const database = await openDatabase({ kind: 'postgres', url, poolSize: 1, statementTimeoutMs: 30_000 });
      t.after(() => database.close());
      return database;
    };
    const bare = await createTestDatabase();
    t.after(() => bare.drop());
    const bareName = bare.name;
    // Directly, the startup options arrive.
    assert.deepEqual(await (await open(bare.url)).settingIssues?.(), []);
    // Through the pooler they are dropped (ignore_startup_parameters = options), and reported.
    const issues = (await (await open(bouncer.url(bareName))).settingIssues?.()) ?? [];
    assert.equal(issues.length, 2, issues.join('\n'));
    assert.ok(issues.some((i) => i.includes(`ALTER DATABASE ${bareName} SET statement_timeout = 30000`)));
    assert.ok(issues.some((i) => i.includes(`ALTER DATABASE ${bareName} SET jit = off`)));
    // With the database's own settings every server session has them, pooled or not.
    const set = await createTestDatabase();
    t.after(() => set.drop());
    await applyPoolerSettings(set);
    assert.deepEqual(await (await open(bouncer.url(set.name))).settingIssues?.(), []);
  });

  test('DATABASE_PREPARED_STATEMENTS=false: ads, clicks, campaign writes and statistics through PgBouncer, limits exact under concurrency', {
    skip,
    timeout: 60_000,
  }, async (t) => {
    assert.ok(bouncer);
    const s = await serverThroughPgBouncer(
      t,
      bouncer,
      { DATABASE_PREPARED_STATEMENTS: 'false' },
      { clients: 60, limits: { impressions_limit: 5, clicks_limit: 5 } },
    );
    const { base, database, log } = s;

    // 60 requests at once: exactly the limit is served, every other answer is "no ad".
    const first = await burst(base, s.clients);
    assert.equal(first.served.length, 5, first.statuses.join(','));
    assert.ok(
      first.statuses.every((code) => code === 200 || code === 404),
      first.statuses.join(','),
    );
    // Each viewer clicks four times at once: each counts once.
    const clicks = await Promise.all(
      first.served.flatMap((client) =>
        Array.from({ length: 4 }, () =>
          statusOf(postJson(`${base}/ads/${s.campaignId}/click`, { client_id: client })),
        ),
      ),
    );
    assert.ok(
      clicks.every((code) => code === 204),
      clicks.join(','),
    );
    // A campaign write, read back; then a second campaign is served to the rest, again exactly.
    const campaignUrl = `${base}/advertisers/${s.advertiser}/campaigns/${s.campaignId}`;
    assert.equal(await statusOf(postJson(campaignUrl, { ...s.body, ad_text: 'changed' }, 'PUT')), 200);
    assert.equal(((await (await fetch(campaignUrl)).json()) as { ad_text: string }).ad_text, 'changed');
    const second = await postJson(`${base}/advertisers/${s.advertiser}/campaigns`, {
      ...s.body,
      impressions_limit: 7,
    });
    assert.equal(second.status, 201);
    const { campaign_id: secondId } = (await second.json()) as { campaign_id: string };
    const rest = s.clients.filter((c) => !first.served.includes(c));
    const next = await burst(base, rest);
    assert.equal(next.served.length, 7, next.statuses.join(','));

    const stats = async (id: string) =>
      (await (await fetch(`${base}/stats/campaigns/${id}`)).json()) as {
        impressions_count: number;
        clicks_count: number;
        spent_total: number;
      };
    const totals = await stats(s.campaignId);
    assert.equal(totals.impressions_count, 5);
    assert.equal(totals.clicks_count, 5);
    assert.equal(totals.spent_total, 5 * 1 + 5 * 2);
    assert.equal((await stats(secondId)).impressions_count, 7);

    // The API held more connections than PgBouncer had to the server: statements of one API
    // connection really ran on different server connections.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const apiConnections = Number(/^adnova_db_pool_connections (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(apiConnections > SERVER_POOL, `API pool connections: ${apiConnections}`);
    const [server] = await sqlOn<{ n: number }>(
      database.url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      [database.name],
    );
    assert.ok((server?.n ?? 0) <= SERVER_POOL, `server connections: ${server?.n}`);
    assert.doesNotMatch(log(), /prepared statement/);
  });

  test('with prepared statements on (the default), the same traffic fails through PgBouncer 1.18', {
    skip,
    timeout: 60_000,
  }, async (t) => {
    assert.ok(bouncer);
    const s = await serverThroughPgBouncer(t, bouncer, {}, { clients: 60, limits: {} });
    const { base, log } = s;
    const { statuses } = await burst(base, s.clients);
    // A named statement is prepared on one server connection and then either missing on the next
    // one ("does not exist") or prepared there already by another API connection ("already
    // exists"): requests fail although every client could be served.
    const failed = statuses.filter((code) => code >= 500).length;
    assert.ok(failed > 0, `no request failed: ${statuses.join(',')}`);
    assert.match(log(), /prepared statement \\"adnova_\w+\\" (does not exist|already exists)/);
  });
});
