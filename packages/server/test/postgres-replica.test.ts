import assert from 'node:assert/strict';
import { after, before, describe, type TestContext, test } from 'node:test';
import { DATABASE_URL } from '@adnova/test-utils/stores';
import { addAdvertiser, addClients, adFor, postJson, statusOf } from './api-client.ts';
import { type Replica, startReplica } from './postgres-replica.ts';
import { localPostgres, sqlOn } from './postgres-tools.ts';
import { serverOnFreshDatabase } from './server-process.ts';

// Issue 15: a real streaming replica of DATABASE_URL's server, made with pg_basebackup.
const gate = await localPostgres(DATABASE_URL);
const skip = gate.skip ? `${gate.skip}: PostgreSQL read-replica tests skipped` : false;
if (skip) console.log(`\x1b[33m*** ${skip} ***\x1b[0m`);

type Stats = { impressions_count: number; clicks_count: number };

async function stats(base: string, campaignId: string): Promise<Stats> {
  const res = await fetch(`${base}/stats/campaigns/${campaignId}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Stats;
}

/**
 * The real server on a fresh database of the primary with `DATABASE_READ_URL` pointing at the
 * same database on the replica, seeded with two alike clients and one campaign of
 * `impressionsLimit` running today.
 */
async function serverOnReplica(t: TestContext, replica: Replica, impressionsLimit: number) {
  const server = await serverOnFreshDatabase(t, (database) => ({
    DATABASE_READ_URL: replica.url(database?.name ?? ''),
    // PostgreSQL alone is under test: in-process cache, queue and throttle counters.
    REDIS_URL: '',
    ADS_THROTTLE_ENABLED: 'false',
  }));
  const clients = await addClients(server.base, 2);
  const { advertiser, campaigns, addCampaign } = await addAdvertiser(server.base, [
    { impressions_limit: impressionsLimit, clicks_limit: impressionsLimit },
  ]);
  const limited = (limit: number) => addCampaign({ impressions_limit: limit, clicks_limit: limit });
  return {
    base: server.base,
    url: server.database?.url ?? '',
    advertiser,
    clients,
    campaign: campaigns[0] ?? '',
    addCampaign: limited,
  };
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
    const s = await serverOnReplica(t, replica, 1);
    const { base, url } = s;
    const [a, b] = s.clients as [string, string];
    await replica.caughtUp();
    assert.equal((await stats(base, s.campaign)).impressions_count, 0);

    // From here on the replica answers reads but applies nothing the primary writes.
    await replica.pauseReplay();
    // A failure below must not leave the next test a replica that never catches up.
    t.after(() => replica?.resumeReplay().catch(() => {}));
    assert.deepEqual(await adFor(base, a), { status: 200, adId: s.campaign });
    assert.equal(await statusOf(postJson(`${base}/ads/${s.campaign}/click`, { client_id: a })), 204);
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
    assert.equal(await statusOf(fetch(`${base}/advertisers/${s.advertiser}/campaigns/${fresh}`)), 200);
    assert.equal(await statusOf(fetch(`${base}/stats/campaigns/${fresh}`)), 404);
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
    const s = await serverOnReplica(t, replica, 10);
    const { base } = s;
    const [a, b] = s.clients as [string, string];
    await replica.caughtUp();
    assert.equal((await stats(base, s.campaign)).impressions_count, 0);

    await replica.stop();
    const down = await fetch(`${base}/stats/campaigns/${s.campaign}`);
    assert.equal(down.status, 503, await down.clone().text());
    assert.ok(down.headers.get('retry-after'), 'a 503 says when to retry');
    await down.arrayBuffer();
    assert.equal(await statusOf(fetch(`${base}/stats/advertisers/${s.advertiser}/campaigns/daily`)), 503);
    // Serving and recording never needed the replica.
    assert.deepEqual(await adFor(base, a), { status: 200, adId: s.campaign });
    assert.equal(await statusOf(postJson(`${base}/ads/${s.campaign}/click`, { client_id: a })), 204);
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
