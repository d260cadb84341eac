import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keySlot } from '@adnova/test-utils/key-slot';
import { CLUSTER_SKIP, startRedisCluster } from '@adnova/test-utils/redis-cluster';
import { Cluster } from 'ioredis';
import { addAdvertiser, addClients, postJson } from './api-client.ts';
import { usingPostgres } from './helper.ts';
import { serverOnFreshDatabase } from './server-process.ts';

if (CLUSTER_SKIP) console.log(`\x1b[33m*** ${CLUSTER_SKIP} ***\x1b[0m`);

/** Every key of `pattern` on each primary of the cluster, by node. */
async function keysByNode(client: Cluster, pattern: string): Promise<string[][]> {
  const byNode: string[][] = [];
  for (const node of client.nodes('master')) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    byNode.push(keys);
  }
  return byNode;
}

test('issue 15: the API on a real three-node Redis Cluster throttles viewers, limits rates and runs jobs', {
  skip: CLUSTER_SKIP,
  timeout: 240_000,
}, async (t) => {
  const started = Date.now();
  const cluster = await startRedisCluster();
  t.after(() => cluster.stop());
  const clusterMs = Date.now() - started;
  const dataDir = await mkdtemp(join(tmpdir(), 'adnova-redis-cluster-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const admin = new Cluster(cluster.connection.nodes);
  t.after(() => admin.disconnect());

  const threshold = 3;
  const blockSeconds = 600;
  const api = await serverOnFreshDatabase(t, () => ({
    DATA_DIR: dataDir,
    REDIS_URL: '',
    REDIS_CLUSTER_NODES: cluster.nodes,
    // Two API processes on PostgreSQL (embedded PGlite runs one): the throttle's counters are shared
    // through the cluster, so the limit holds whichever process a request reaches.
    ADNOVA_WORKERS: usingPostgres ? '2' : '1',
    ADS_THROTTLE_ENABLED: 'true',
    ADS_VIEW_REPEAT_THRESHOLD: String(threshold),
    ADS_VIEW_REPEAT_WINDOW_SECONDS: '600',
    ADS_BLOCK_SECONDS: String(blockSeconds),
    // On, but never reached here: its counter must live in the cluster (it passes requests on a
    // Redis error, so a broken limiter would go unnoticed without the key check below).
    HTTP_RATE_LIMIT_MAX: '100000',
    HTTP_RATE_LIMIT_WINDOW_SECONDS: '600',
  }));
  const startedMs = Date.now() - started;
  const { base } = api;

  const {
    campaigns: [campaignId = ''],
  } = await addAdvertiser(base, [
    { impressions_limit: 100_000, clicks_limit: 100_000, ad_title: 'Cluster', end_date: 10 },
  ]);
  const clients = (await addClients(base, 30)).map((client_id) => ({ client_id }));

  // Each viewer (client, IP, User-Agent) gets T ads; the (T+1)-th request is refused with a 404 and
  // Retry-After = B (the block starts), later ones while the block lasts too.
  for (const { client_id } of clients) {
    const answers: Array<[number, string | null]> = [];
    for (let i = 0; i < threshold + 2; i++) {
      const res = await fetch(`${base}/ads?client_id=${client_id}`);
      const body = (await res.json()) as { ad_id?: string; detail?: string };
      if (res.status === 200) assert.equal(body.ad_id, campaignId);
      else assert.match(body.detail ?? '', /throttled/);
      answers.push([res.status, res.headers.get('retry-after')]);
    }
    assert.deepEqual(answers.slice(0, threshold), Array(threshold).fill([200, null]));
    assert.deepEqual(answers[threshold], [404, String(blockSeconds)]);
    const [status, retryAfter] = answers[threshold + 1] ?? [];
    assert.equal(status, 404);
    assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= blockSeconds, `Retry-After ${retryAfter}`);
  }
  const stats = (await (await fetch(`${base}/stats/campaigns/${campaignId}`)).json()) as {
    impressions_count: number;
  };
  // Impressions count once per (client, campaign): one each.
  assert.equal(stats.impressions_count, clients.length);

  // The job queue (BullMQ with the {adnova:queue} prefix): a generation job is queued and done.
  const task = (await (
    await postJson(`${base}/generate/ad_text`, { advertiser_name: 'A', ad_title: 'on a cluster' })
  ).json()) as { task_id: string };
  let job = { status: '', result: null as string | null };
  for (const since = Date.now(); Date.now() - since < 30_000; ) {
    job = (await (await fetch(`${base}/generate/ad_text/${task.task_id}/result`)).json()) as typeof job;
    if (job.status === 'SUCCESS' || job.status === 'FAILURE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(job.status, 'SUCCESS');
  assert.ok(job.result && job.result.length > 0);

  const health = (await (await fetch(`${base}/health?format=json`)).json()) as Record<string, string>;
  for (const component of ['cache', 'queue', 'queue_workers'])
    assert.equal(health[component], 'working', JSON.stringify(health));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`adnova_ad_requests_total\\{outcome="throttled"\\} ${clients.length * 2}\\b`),
  );

  // Where the keys landed. Throttle: one block per viewer, spread over all nodes, each next to its
  // counter's slot. BullMQ: all on the one node owning {adnova:queue}'s slot. Rate limit: a counter.
  const blocks = await keysByNode(admin, 'adnova:ads:block:*');
  assert.equal(blocks.flat().length, clients.length);
  // 30 random viewers leave a node without one once in 70,000 runs.
  assert.ok(
    blocks.every((keys) => keys.length > 0),
    `blocks per node: ${blocks.map((k) => k.length)}`,
  );
  for (const key of blocks.flat()) assert.equal(keySlot(key), keySlot(key.replace(':block:', ':views:')));
  const queueKeys = await keysByNode(admin, '{adnova:queue}:*');
  assert.ok(queueKeys.flat().length > 0);
  assert.equal(queueKeys.filter((keys) => keys.length > 0).length, 1, 'one node holds the queue');
  assert.ok(queueKeys.flat().every((key) => keySlot(key) === keySlot('adnova:queue')));
  const limited = Number(await admin.get('adnova:rate-limit:127.0.0.1'));
  assert.ok(limited >= clients.length * (threshold + 2), `rate-limit counter ${limited}`);

  t.diagnostic(
    `report: redis cluster: 3 primaries up in ${clusterMs} ms, API (${usingPostgres ? '2 workers, PostgreSQL' : '1 process, PGlite'}) serving after ${startedMs} ms, ` +
      `test done in ${Date.now() - started} ms; throttle blocks per node ${blocks.map((k) => k.length).join('/')}, ` +
      `${queueKeys.flat().length} queue keys on one node`,
  );
});
