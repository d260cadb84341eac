import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SENTINEL_SKIP, startSentinelGroup } from '@adnova/test-utils/redis-sentinel';
import { addAdvertiser, addClients, postJson } from './api-client.ts';
import { usingPostgres } from './helper.ts';
import { serverOnFreshDatabase } from './server-process.ts';

const skip =
  SENTINEL_SKIP ||
  (usingPostgres && process.env.REDIS_URL
    ? false
    : 'needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): Sentinel failover test skipped');
if (skip) console.log(`\x1b[33m*** ${skip} ***\x1b[0m`);

test('issue 15: the API follows a Redis Sentinel failover, keeps serving and loses no acknowledged write', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const group = await startSentinelGroup();
  t.after(() => group.stop());
  const threshold = 3;
  const api = await serverOnFreshDatabase(
    t,
    () => ({
      REDIS_URL: '',
      REDIS_SENTINELS: group.sentinels,
      REDIS_SENTINEL_NAME: group.name,
      ADS_VIEW_REPEAT_THRESHOLD: String(threshold),
      ADS_VIEW_REPEAT_WINDOW_SECONDS: '600',
      ADS_BLOCK_SECONDS: '600',
      ADS_THROTTLE_ERROR_LOG_SECONDS: '0',
    }),
    { stdout: 'pipe' },
  );
  const { base } = api;
  // The API's warnings (throttle failures, breaker, Redis errors), shown when an assertion fails.
  const apiLog: string[] = [];
  api.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line) apiLog.push(line.slice(0, 400));
    if (apiLog.length > 400) apiLog.splice(0, apiLog.length - 200);
  });
  const logTail = () => `\nlast API log lines:\n${apiLog.slice(-25).join('\n')}`;

  const { campaigns } = await addAdvertiser(
    base,
    [0, 1, 2, 3].map((i) => ({
      impressions_limit: 100_000,
      clicks_limit: 100_000,
      cost_per_impression: 1 + i,
      ad_title: `t${i}`,
      end_date: 10,
    })),
  );
  // Ads served to the throttle's probe viewers, as client/campaign pairs (impressions are per pair).
  const probePairs = new Set<string>();
  const viewsOf = async (client: string, count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${base}/ads?client_id=${client}`);
      if (res.status === 200) probePairs.add(`${client}/${((await res.json()) as { ad_id: string }).ad_id}`);
      else await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  };

  // The throttle counts in the Sentinel-named primary: a viewer's fourth request is refused.
  const [before] = await addClients(base, 1);
  assert.deepEqual(await viewsOf(before ?? '', threshold + 1), [200, 200, 200, 404]);

  // Traffic from 8 loops over many viewers while the primary crashes; every served ad is clicked.
  const clients = await addClients(base, 400);
  const servedPairs = new Set<string>();
  const clickedPairs = new Set<string>();
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  // What the first few failures said, for the report.
  const failures: string[] = [];
  const failed = (what: string) => failures.length < 3 && failures.push(what.slice(0, 300));
  let running = true;
  let next = 0;
  const loop = async () => {
    while (running) {
      const client = clients[next++ % clients.length] ?? '';
      try {
        const res = await fetch(`${base}/ads?client_id=${client}`);
        count(res.status);
        if (res.status !== 200) {
          const body = await res.text();
          if (res.status !== 404) failed(`GET /ads ${res.status} ${body}`);
          continue;
        }
        const ad = (await res.json()) as { ad_id: string };
        servedPairs.add(`${client}/${ad.ad_id}`);
        const click = await postJson(`${base}/ads/${ad.ad_id}/click`, { client_id: client });
        const clickBody = await click.text();
        if (click.status !== 204) failed(`click ${click.status} ${clickBody}`);
        count(click.status === 204 ? 2040 : click.status);
        if (click.status === 204) clickedPairs.add(`${client}/${ad.ad_id}`);
      } catch (error) {
        failed(`fetch: ${(error as Error).message} ${(error as Error).cause ?? ''}`);
        count(0);
      }
    }
  };
  const loops = Array.from({ length: 8 }, loop);
  await new Promise((r) => setTimeout(r, 1000));

  const crashedPort = group.primary.port;
  const crashedAt = Date.now();
  await group.primary.kill('SIGKILL');
  // The sentinels call it down after 1 s and promote the replica.
  while ((await group.primaryPort()) === crashedPort) {
    assert.ok(Date.now() - crashedAt < 60_000, 'the sentinels did not promote the replica within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const promotedAfterMs = Date.now() - crashedAt;
  assert.equal(await group.primaryPort(), group.replica.port);

  // The API reconnects to the promoted primary: a fresh viewer is throttled there again.
  let reconnectedAfterMs = -1;
  for (;;) {
    const [fresh] = await addClients(base, 1);
    const seen = await viewsOf(fresh ?? '', threshold + 1);
    if (seen.join() === '200,200,200,404') {
      reconnectedAfterMs = Date.now() - crashedAt;
      break;
    }
    assert.ok(
      Date.now() - crashedAt < 60_000,
      `the throttle did not come back within 60 s: ${seen}${logTail()}`,
    );
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1000));
  running = false;
  await Promise.all(loops);

  // The job queue (BullMQ) follows too: a generation job is queued and done on the new primary.
  const task = (await (
    await postJson(`${base}/generate/ad_text`, { advertiser_name: 'A', ad_title: 'after failover' })
  ).json()) as { task_id: string };
  let status = '';
  for (const started = Date.now(); Date.now() - started < 30_000; ) {
    status = (
      (await (await fetch(`${base}/generate/ad_text/${task.task_id}/result`)).json()) as { status: string }
    ).status;
    if (status === 'SUCCESS') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'SUCCESS');

  // Every acknowledged impression and click is in PostgreSQL, each counted once.
  let impressions = 0;
  let clicks = 0;
  for (const campaign of campaigns) {
    const stats = (await (await fetch(`${base}/stats/campaigns/${campaign}`)).json()) as {
      impressions_count: number;
      clicks_count: number;
    };
    impressions += stats.impressions_count;
    clicks += stats.clicks_count;
  }
  const lostImpressions = servedPairs.size + probePairs.size - impressions;
  const lostClicks = clickedPairs.size - clicks;
  const clicked = statuses.get(2040) ?? 0;
  const requests = [...statuses.values()].reduce((a, b) => a + b, 0) - clicked;
  const errors = [...statuses]
    .filter(([s]) => s !== 200 && s !== 404 && s !== 2040)
    .reduce((a, [, n]) => a + n, 0);
  t.diagnostic(
    `report: sentinel failover: ${requests} GET /ads (served ${statuses.get(200) ?? 0}, 404 ${statuses.get(404) ?? 0}), ` +
      `${clicked} clicks, errors ${errors}${errors ? ` ${JSON.stringify(Object.fromEntries(statuses))} ${failures.join(' | ')}` : ''}; replica promoted ${promotedAfterMs} ms after the crash, ` +
      `throttle counting on it after ${reconnectedAfterMs} ms; lost writes: ${lostImpressions} impressions, ${lostClicks} clicks`,
  );
  assert.ok((statuses.get(200) ?? 0) > 0);
  assert.equal(lostImpressions, 0);
  assert.equal(lostClicks, 0);
  // The throttle fails open while Redis is away, so requests are served through the switch. A
  // request in flight at the moment of the crash may still fail (seen: 2 of 6,456 under load);
  // the count is reported above, and more than 1 % would mean the API did not ride the switch.
  assert.ok(errors <= requests / 100, `${errors} errors: ${JSON.stringify(Object.fromEntries(statuses))}`);
});
