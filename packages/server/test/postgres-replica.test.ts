import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, type TestContext, test } from 'node:test';
import { createTestDatabase, DATABASE_URL } from '../../core/test/stores.ts';
import { type Replica, startReplica } from './postgres-replica.ts';
import { localPostgres, sqlOn } from './postgres-tools.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

// Issue 15: a real streaming replica of DATABASE_URL's server, made with pg_basebackup.
const gate = await localPostgres(DATABASE_URL);
const skip = gate.skip ? `${gate.skip}: PostgreSQL read-replica tests skipped` : false;
if (skip) console.log(`\x1b[33m*** ${skip} ***\x1b[0m`);

type Stats = { impressions_count: number; clicks_count: number };

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function status(response: Promise<Response>): Promise<number> {
  const res = await response;
  await res.arrayBuffer();
  return res.status;
}

async function stats(base: string, campaignId: string): Promise<Stats> {
  const res = await fetch(`${base}/stats/campaigns/${campaignId}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Stats;
}

/**
 * A fresh database on the primary, and the real server on it with `DATABASE_READ_URL` pointing
 * at the same database on the replica; both cleaned up after the test.
 */
async function serverOnReplica(t: TestContext, replica: Replica): Promise<{ base: string; url: string }> {
  const database = await createTestDatabase();
  let server: ServerProcess | undefined;
  // The server first (after hooks run in the order they were added), then its database.
  t.after(async () => {
    await server?.stop();
    await database.drop();
  });
  const name = new URL(database.url).pathname.slice(1);
  server = await startServerProcess({
    DATABASE_URL: database.url,
    DATABASE_READ_URL: replica.url(name),
    // PostgreSQL alone is under test: in-process cache, queue and throttle counters.
    REDIS_URL: '',
    ADS_THROTTLE_ENABLED: 'false',
  });
  return { base: server.base, url: database.url };
}

/** An advertiser, `clients` clients alike and one campaign running today, through the API. */
async function seed(base: string, clients: number, impressionsLimit: number) {
  const advertiser = randomUUID();
  assert.equal(
    await status(post(`${base}/advertisers/bulk`, [{ advertiser_id: advertiser, name: 'A' }])),
    201,
  );
  const ids = Array.from({ length: clients }, () => randomUUID());
  assert.equal(
    await status(
      post(
        `${base}/clients/bulk`,
        ids.map((client_id) => ({ client_id, login: 'c', age: 30, location: 'X', gender: 'MALE' })),
      ),
    ),
    201,
  );
  const campaign = async (limit: number) => {
    const res = await post(`${base}/advertisers/${advertiser}/campaigns`, {
      impressions_limit: limit,
      clicks_limit: limit,
      cost_per_impression: 1,
      cost_per_click: 2,
      ad_title: 't',
      ad_text: 'x',
      start_date: 0,
      end_date: 3,
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { campaign_id: string }).campaign_id;
  };
  return { advertiser, clients: ids, campaign: await campaign(impressionsLimit), addCampaign: campaign };
}

async function adFor(base: string, client: string): Promise<{ status: number; adId?: string }> {
  const res = await fetch(`${base}/ads?client_id=${client}`);
  if (res.status !== 200) {
    await res.arrayBuffer();
    return { status: res.status };
  }
  return { status: 200, adId: ((await res.json()) as { ad_id: string }).ad_id };
}

describe('issue 15: statistics on a streaming PostgreSQL replica (pg_basebackup -R)', () => {
  let replica: Replica | undefined;
  before(
    async () => {
      if (gate.bin) replica = await startReplica(DATABASE_URL, gate.bin);
    },
    { timeout: 60_000 },
  );
  after(() => replica?.remove());

  test('statistics read from the replica; GET /ads and its limits only from the primary', {
    skip,
    timeout: 60_000,
  }, async (t) => {
    assert.ok(replica);
    const { base, url } = await serverOnReplica(t, replica);
    const s = await seed(base, 2, 1);
    const [a, b] = s.clients as [string, string];
    await replica.caughtUp();
    assert.equal((await stats(base, s.campaign)).impressions_count, 0);

    // From here on the replica answers reads but applies nothing the primary writes.
    await replica.pauseReplay();
    // A failure below must not leave the next test a replica that never catches up.
    t.after(() => replica?.resumeReplay().catch(() => {}));
    assert.deepEqual(await adFor(base, a), { status: 200, adId: s.campaign });
    assert.equal(await status(post(`${base}/ads/${s.campaign}/click`, { client_id: a })), 204);
    const [primary] = await sqlOn<{ impressions: number; clicks: number }>(
      url,
      'SELECT (SELECT count(*)::int FROM impressions) AS impressions, (SELECT count(*)::int FROM clicks) AS clicks',
    );
    assert.deepEqual(primary, { impressions: 1, clicks: 1 });
    // Statistics do not see them: they come from the paused replica.
    const behind = await stats(base, s.campaign);
    assert.equal(behind.impressions_count, 0);
    assert.equal(behind.clicks_count, 0);
    const totals = await fetch(`${base}/stats/advertisers/${s.advertiser}/campaigns`);
    assert.equal(((await totals.json()) as Stats).impressions_count, 0);

    // The limit is the primary's: the campaign is full for the next client.
    assert.deepEqual(await adFor(base, b), { status: 404 });
    // A campaign created now exists only on the primary: GET /ads serves it (its catalog and the
    // serving statement read the primary), statistics do not know it yet.
    const fresh = await s.addCampaign(10);
    assert.equal(await status(fetch(`${base}/advertisers/${s.advertiser}/campaigns/${fresh}`)), 200);
    assert.equal(await status(fetch(`${base}/stats/campaigns/${fresh}`)), 404);
    assert.deepEqual(await adFor(base, b), { status: 200, adId: fresh });

    // Replay resumes: the replica catches up and statistics show everything.
    await replica.resumeReplay();
    await replica.caughtUp();
    const caughtUp = await stats(base, s.campaign);
    assert.equal(caughtUp.impressions_count, 1);
    assert.equal(caughtUp.clicks_count, 1);
    assert.equal((await stats(base, fresh)).impressions_count, 1);
  });

  test('a replica outage: statistics answer 503 (no fallback to the primary), ads keep serving, and both recover', {
    skip,
    timeout: 60_000,
  }, async (t) => {
    assert.ok(replica);
    const { base } = await serverOnReplica(t, replica);
    const s = await seed(base, 2, 10);
    const [a, b] = s.clients as [string, string];
    await replica.caughtUp();
    assert.equal((await stats(base, s.campaign)).impressions_count, 0);

    await replica.stop();
    const down = await fetch(`${base}/stats/campaigns/${s.campaign}`);
    assert.equal(down.status, 503, await down.clone().text());
    assert.ok(down.headers.get('retry-after'), 'a 503 says when to retry');
    await down.arrayBuffer();
    assert.equal(await status(fetch(`${base}/stats/advertisers/${s.advertiser}/campaigns/daily`)), 503);
    // Serving and recording never needed the replica.
    assert.deepEqual(await adFor(base, a), { status: 200, adId: s.campaign });
    assert.equal(await status(post(`${base}/ads/${s.campaign}/click`, { client_id: a })), 204);
    // /health names the replica as down but stays healthy: it is not critical.
    const health = await fetch(`${base}/health?format=json`);
    const components = (await health.json()) as Record<string, string>;
    assert.equal(health.status, 200, JSON.stringify(components));
    assert.match(components.database_replica ?? '', /^unavailable/);

    // Back again: the read pool reconnects without a restart of the API.
    await replica.start();
    await replica.caughtUp();
    const back = await stats(base, s.campaign);
    assert.equal(back.impressions_count, 1);
    assert.equal(back.clicks_count, 1);
    assert.deepEqual(await adFor(base, b), { status: 200, adId: s.campaign });
    const healthy = (await (await fetch(`${base}/health?format=json`)).json()) as Record<string, string>;
    assert.equal(healthy.database_replica, 'working');
  });
});
