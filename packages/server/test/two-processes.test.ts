import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import { createTestDatabase, usingPostgres } from './helper.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

/** Two API processes on a fresh database; stopped, and the database dropped, after the test. */
async function startTwo(
  t: TestContext,
  env: Record<string, string>,
): Promise<[ServerProcess, ServerProcess]> {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  // Both start at once: migrations are serialised by an advisory lock.
  const [one, two] = await Promise.all([
    startServerProcess({ DATABASE_URL: database.url, ...env }),
    startServerProcess({ DATABASE_URL: database.url, ...env }),
  ]);
  t.after(() => Promise.all([one.stop(), two.stop()]));
  return [one, two];
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A new advertiser, created through `base`; its id. */
async function addAdvertiser(base: string): Promise<string> {
  const advertiser = randomUUID();
  assert.equal(
    (await post(`${base}/advertisers/bulk`, [{ advertiser_id: advertiser, name: 'A' }])).status,
    201,
  );
  return advertiser;
}

/** `count` new clients alike (30, male, location X), created through `base`. */
async function addClients(base: string, count: number) {
  const clients = Array.from({ length: count }, () => ({
    client_id: randomUUID(),
    login: 'c',
    age: 30,
    location: 'X',
    gender: 'MALE',
  }));
  assert.equal((await post(`${base}/clients/bulk`, clients)).status, 201);
  return clients;
}

test('issue 2: two API processes on one PostgreSQL never overshoot limits or double-count', {
  skip: usingPostgres ? false : 'needs PostgreSQL (DATABASE_URL): skipped on embedded PGlite',
  timeout: 120_000,
}, async (t) => {
  // Throttle keys of their own, so runs never share counters in a shared Redis.
  const [one, two] = await startTwo(t, { ADS_THROTTLE_KEY_PREFIX: `adnova:test:${randomUUID()}:` });
  const bases = [one.base, two.base];

  const advertiser = await addAdvertiser(one.base);
  const campaign = (await (
    await post(`${two.base}/advertisers/${advertiser}/campaigns`, {
      impressions_limit: 5,
      clicks_limit: 2,
      cost_per_impression: 0.1,
      cost_per_click: 0.2,
      ad_title: 't',
      ad_text: 'x',
      start_date: 0,
      end_date: 3,
    })
  ).json()) as { campaign_id: string };
  const clients = await addClients(one.base, 60);

  const served = await Promise.all(
    clients.map((c, i) => fetch(`${bases[i % 2]}/ads?client_id=${c.client_id}`).then((r) => r.status)),
  );
  assert.equal(served.filter((s) => s === 200).length, 5);
  assert.ok(served.every((s) => s === 200 || s === 404));

  // One viewer clicking many times on both processes at once counts once.
  const shown = clients[served.indexOf(200)];
  assert.ok(shown);
  const clicks = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post(`${bases[i % 2]}/ads/${campaign.campaign_id}/click`, { client_id: shown.client_id }).then(
        (r) => r.status,
      ),
    ),
  );
  assert.ok(clicks.every((s) => s === 204));

  const stats = (await (await fetch(`${two.base}/stats/campaigns/${campaign.campaign_id}`)).json()) as {
    impressions_count: number;
    clicks_count: number;
    spent_total: number;
  };
  assert.equal(stats.impressions_count, 5);
  assert.equal(stats.clicks_count, 1);
  assert.equal(stats.spent_total, 0.7);
  // The advertiser's totals, read through the other process, agree.
  const totals = (await (
    await fetch(`${one.base}/stats/advertisers/${advertiser}/campaigns`)
  ).json()) as typeof stats;
  assert.deepEqual(totals, stats);
});

test('issue 3: two API processes on one Redis share the ads throttle counters', {
  skip:
    usingPostgres && process.env.REDIS_URL
      ? false
      : 'needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): skipped otherwise',
  timeout: 120_000,
}, async (t) => {
  const [one, two] = await startTwo(t, {
    ADS_VIEW_REPEAT_THRESHOLD: '3',
    ADS_THROTTLE_KEY_PREFIX: `adnova:test:${randomUUID()}:`,
  });

  const advertiser = await addAdvertiser(one.base);
  const campaign = {
    impressions_limit: 100,
    clicks_limit: 100,
    cost_per_impression: 1,
    cost_per_click: 1,
    ad_title: 't',
    ad_text: 'x',
    start_date: 0,
    end_date: 3,
  };
  assert.equal((await post(`${one.base}/advertisers/${advertiser}/campaigns`, campaign)).status, 201);
  const client = randomUUID();
  assert.equal(
    (
      await post(`${one.base}/clients/bulk`, [
        { client_id: client, login: 'c', age: 30, location: 'X', gender: 'MALE' },
      ])
    ).status,
    201,
  );

  // Alternating processes, one counter: a per-process memory store would allow 3 on each.
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${[one.base, two.base][i % 2]}/ads?client_id=${client}`);
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 200, 404, 404, 404, 404, 404]);

  // Concurrently, from a fresh viewer on both processes at once: still exactly the threshold.
  const other = randomUUID();
  assert.equal(
    (
      await post(`${two.base}/clients/bulk`, [
        { client_id: other, login: 'd', age: 30, location: 'X', gender: 'MALE' },
      ])
    ).status,
    201,
  );
  const burst = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      fetch(`${[one.base, two.base][i % 2]}/ads?client_id=${other}`).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }),
    ),
  );
  assert.equal(burst.filter((status) => status === 200).length, 3, burst.join(','));
  assert.equal(burst.filter((status) => status === 404).length, 21);
});

test('issue 13: two API processes rank with the same selection plan and pick up a re-plan', {
  skip: usingPostgres ? false : 'needs PostgreSQL (DATABASE_URL): skipped on embedded PGlite',
  timeout: 120_000,
}, async (t) => {
  const [one, two] = await startTwo(t, {
    PLANNER_INTERVAL_SECONDS: '3600',
    PLANNER_CHECK_SECONDS: '1',
    ADS_THROTTLE_ENABLED: 'false',
  });
  const bases = [one.base, two.base];

  const advertiser = await addAdvertiser(one.base);
  const createCampaign = async (limit: number) =>
    (
      await post(`${two.base}/advertisers/${advertiser}/campaigns`, {
        impressions_limit: limit,
        clicks_limit: limit,
        cost_per_impression: 1,
        cost_per_click: 5,
        ad_title: 't',
        ad_text: 'x',
        start_date: 0,
        end_date: 3,
      })
    ).status;
  assert.equal(await createCampaign(1_000), 201);
  const clients = await addClients(one.base, 40);

  // The version a process ranks with, after one more request there (it rides along the snapshot).
  const versionAt = async (base: string, client: string): Promise<number> => {
    await (await fetch(`${base}/ads?client_id=${client}`)).arrayBuffer();
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^adnova_selection_plan_version (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  };
  const agreeAbove = async (floor: number): Promise<number> => {
    const deadline = Date.now() + 60_000;
    for (let i = 0; ; i++) {
      const client = clients[i % clients.length]?.client_id ?? '';
      const [a, b] = await Promise.all(bases.map((base) => versionAt(base, client)));
      if (a === b && (a ?? 0) > floor) return a as number;
      assert.ok(Date.now() < deadline, `plan versions ${a} and ${b} never agreed above ${floor}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  // Traffic on both processes, then both rank with the one plan one of them made.
  await Promise.all(
    clients.map((c, i) => fetch(`${bases[i % 2]}/ads?client_id=${c.client_id}`).then((r) => r.arrayBuffer())),
  );
  const first = await agreeAbove(0);
  // A new campaign changes the catalog: one process re-plans, both pick the new version up.
  assert.equal(await createCampaign(5), 201);
  const second = await agreeAbove(first);
  assert.ok(second > first);
});

test('issue 14: 64 clients at once on two processes through the single-statement path: every count exact', {
  skip: usingPostgres ? false : 'needs PostgreSQL (DATABASE_URL): skipped on embedded PGlite',
  timeout: 180_000,
}, async (t) => {
  const [one, two] = await startTwo(t, { ADS_THROTTLE_ENABLED: 'false', PLANNER_ENABLED: 'false' });
  const bases = [one.base, two.base];
  const advertiser = await addAdvertiser(one.base);
  const limits: [number, number][] = [
    [5, 2],
    [12, 3],
    [30, 30],
    [40, 4],
  ];
  const campaign = (impressions: number, clicks: number, cpi: number, base: string) =>
    post(`${base}/advertisers/${advertiser}/campaigns`, {
      impressions_limit: impressions,
      clicks_limit: clicks,
      cost_per_impression: cpi,
      cost_per_click: 1,
      ad_title: 't',
      ad_text: 'x',
      start_date: 0,
      end_date: 3,
    }).then(async (r) => ((await r.json()) as { campaign_id: string }).campaign_id);
  const ids = await Promise.all(limits.map(([i, c], k) => campaign(i, c, 4 - k, bases[k % 2] ?? '')));
  const clients = await addClients(one.base, 64);

  // Each of the 64 clients asks 6 times, alternating processes, and clicks every third ad it
  // gets. Midway, new ML scores move every profile version and a new campaign moves the catalog
  // version, so cached profiles and catalogs are refused and re-read while requests race.
  const shown = new Set<string>();
  const clicked = new Set<string>();
  const round = async (c: (typeof clients)[number], i: number, r: number) => {
    const res = await fetch(`${bases[(i + r) % 2]}/ads?client_id=${c.client_id}`);
    if (res.status === 404) return void (await res.arrayBuffer());
    assert.equal(res.status, 200);
    const ad = (await res.json()) as { ad_id: string };
    shown.add(`${c.client_id}:${ad.ad_id}`);
    if ((i + r) % 3 === 0) {
      const click = await post(`${bases[(i + r + 1) % 2]}/ads/${ad.ad_id}/click`, { client_id: c.client_id });
      assert.equal(click.status, 204);
      clicked.add(`${c.client_id}:${ad.ad_id}`);
    }
  };
  for (let r = 0; r < 6; r++) {
    const changes =
      r === 3
        ? [
            ...clients.map((c, i) =>
              post(`${bases[i % 2]}/ml-scores`, {
                client_id: c.client_id,
                advertiser_id: advertiser,
                score: i * 100,
              }).then((res) => assert.equal(res.status, 200)),
            ),
            campaign(8, 8, 10, one.base).then((id) => ids.push(id)),
          ]
        : [];
    await Promise.all([...clients.map((c, i) => round(c, i, r)), ...changes]);
  }
  assert.ok(clicked.size > 0);

  let impressions = 0;
  for (const [k, id] of ids.entries()) {
    const stats = (await (await fetch(`${bases[k % 2]}/stats/campaigns/${id}`)).json()) as {
      impressions_count: number;
      clicks_count: number;
    };
    const [impressionsLimit] = limits[k] ?? [8];
    assert.ok(
      stats.impressions_count <= impressionsLimit,
      `campaign ${k}: ${stats.impressions_count} impressions`,
    );
    impressions += stats.impressions_count;
    // Exactly the distinct (client, campaign) pairs served and clicked: nothing double-counted or
    // lost. (Clicks of clients already shown the ad count past clicks_limit, spec §3.12.)
    const of = (pairs: Set<string>) => [...pairs].filter((p) => p.endsWith(`:${id}`)).length;
    assert.equal(stats.impressions_count, of(shown), `campaign ${k} impressions`);
    assert.equal(stats.clicks_count, of(clicked), `campaign ${k} clicks`);
  }
  assert.equal(impressions, shown.size);
});
