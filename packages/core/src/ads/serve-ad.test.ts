import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTestDatabase, DATABASE_URL, POSTGRES_SKIP } from '@adnova/test-utils/stores';
import pg from 'pg';
import { upsertAdvertisers } from '../advertisers/advertisers.ts';
import { createCampaign } from '../campaigns/campaigns.ts';
import { upsertClients } from '../clients/clients.ts';
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { upsertMlScoreRows } from '../ml-scores/ml-scores.repo.ts';
import { type ServeRequest, type ServeResult, serveAdRow, serveAdRows } from './ads.repo.ts';
import { rankForServing, recordClick, SERVE_BATCH, serveAd } from './ads.ts';
import { findClientProfile } from './catalog.repo.ts';
import type { CatalogEntry, ServedContent } from './catalog.ts';
import { warmClientProfiles } from './client-profiles.ts';
import { type Candidate, priorClickProbability, rankCandidates } from './select-ad.ts';
import { createServeQueue, SERVE_GROUP_MAX } from './serve-queue.ts';

// The single-statement serving path (issue 14): `rankForServing` in process, `adnova_serve_ads`
// in the database, shared by the requests that arrive together (`createServeQueue`). Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
let deps: Deps;
let dropDatabase: (() => Promise<void>) | undefined;
let databaseUrl: string | undefined;
before(async () => {
  const database = DATABASE_URL ? await createTestDatabase() : undefined;
  dropDatabase = database?.drop;
  databaseUrl = database?.url;
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

const viewer = { remoteAddress: '127.0.0.1', headers: { 'user-agent': 'serve-test' } };

/** One client and `n` campaigns (impressions limit 1 each) in a location of their own. */
async function world(n: number, clients = 1) {
  const location = `L-${randomUUID()}`;
  const advertiser = { advertiser_id: randomUUID(), name: 'Acme' };
  await upsertAdvertisers(deps, [advertiser]);
  const people = Array.from({ length: clients }, (_, i) => ({
    client_id: randomUUID(),
    login: `c${i}`,
    age: 30,
    location,
    gender: 'FEMALE' as const,
  }));
  await upsertClients(deps, people);
  const campaigns: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await createCampaign(deps, advertiser.advertiser_id, {
      impressions_limit: 1,
      clicks_limit: 1,
      cost_per_impression: 1,
      cost_per_click: 1,
      ad_title: `t${i}`,
      ad_text: 'x',
      start_date: 0,
      end_date: 0,
      targeting: { location },
    });
    campaigns.push(created.campaign_id);
  }
  const clientId = people[0]?.client_id ?? '';
  const profile = await findClientProfile(deps.database, clientId);
  if (!profile) throw new Error('no profile');
  const request = (over: Partial<ServeRequest>): ServeRequest => ({
    clientId,
    day: profile.day,
    catalogVersion: Number(profile.catalog_version),
    profileVersion: Number(profile.profile_version),
    seenCount: 0,
    clickedCount: 0,
    overshoot: 0,
    campaigns,
    seen: campaigns.map(() => false),
    clicked: campaigns.map(() => false),
    more: false,
    ...over,
  });
  return { advertiser, clients: people.map((p) => p.client_id), clientId, campaigns, request };
}

test('the statement serves the first candidate still servable, in the order sent', async () => {
  const { campaigns, request } = await world(2);
  const [a, b] = campaigns as [string, string];
  // B first: recorded.
  let result = await serveAdRow(deps.database, request({ campaigns: [b, a] }));
  assert.deepEqual([result.outcome, result.served, result.recorded], ['served', b, true]);
  // B again, now known as seen: shown again, nothing written.
  result = await serveAdRow(deps.database, request({ campaigns: [b, a], seen: [true, false], seenCount: 1 }));
  assert.deepEqual([result.outcome, result.served, result.recorded], ['served', b, false]);
  // A first: recorded; both seen now.
  result = await serveAdRow(deps.database, request({ campaigns: [a, b], seen: [false, true], seenCount: 1 }));
  assert.deepEqual([result.outcome, result.served, result.recorded], ['served', a, true]);
  const counted = await deps.database.query(
    'SELECT count(*)::int AS n FROM impressions WHERE client_id = $1',
    [request({}).clientId],
  );
  assert.equal((counted.rows[0] as { n: number }).n, 2);
});

test('a full campaign is skipped and reported; with none left the answer is none, or more', async () => {
  const { clients, campaigns, request } = await world(2, 2);
  const [a, b] = campaigns as [string, string];
  // Another client fills A (impressions limit 1).
  const other = await serveAdRow(deps.database, { ...request({}), clientId: clients[1] ?? '' });
  assert.equal(other.served, a);
  const result = await serveAdRow(deps.database, request({}));
  assert.deepEqual([result.outcome, result.served], ['served', b]);
  assert.deepEqual(result.closed, [a]);
  assert.deepEqual(result.closed_why, ['impressions_cap']);
  // Only A sent: nothing to serve; 'more' when the process left candidates out.
  const none = await serveAdRow(deps.database, request({ campaigns: [a], seen: [false], seenCount: 1 }));
  assert.deepEqual([none.outcome, none.served], ['none', null]);
  const more = await serveAdRow(
    deps.database,
    request({ campaigns: [a], seen: [false], seenCount: 1, more: true }),
  );
  assert.equal(more.outcome, 'more');
});

test('what the process knows the client has seen and clicked is checked before anything is served', async () => {
  const { campaigns, clientId, request } = await world(2);
  const [a, b] = campaigns as [string, string];
  assert.equal((await serveAdRow(deps.database, request({ campaigns: [a, b] }))).served, a);
  // The process does not know A was shown (another process showed it): A, ranked as unseen, is
  // passed over, B served, and the client's campaigns come back.
  const moved = await serveAdRow(deps.database, request({ campaigns: [a, b] }));
  assert.deepEqual(
    [moved.outcome, moved.served, moved.recorded, moved.seen, moved.clicked],
    ['served', b, true, [a], []],
  );
  // A click it does not know of: A, ranked as seen and not clicked, is passed over; nothing else
  // was sent, so 'resync', and nothing recorded.
  await recordClick(deps, a, clientId);
  const clicked = await serveAdRow(
    deps.database,
    request({ campaigns: [a], seen: [true], clicked: [false], seenCount: 2 }),
  );
  assert.deepEqual([clicked.outcome, clicked.served, clicked.clicked], ['resync', null, [a]]);
  // Without the checks (a request refused twice already) outdated versions are not refused, and
  // A, thought unseen, meets its clicks cap (1) in the record function: B is shown again.
  const unchecked = await serveAdRow(
    deps.database,
    request({
      campaigns: [a, b],
      seenCount: null,
      clickedCount: null,
      catalogVersion: null,
      profileVersion: -1,
    }),
  );
  assert.deepEqual(
    [unchecked.outcome, unchecked.served, unchecked.recorded, unchecked.closed, unchecked.closed_why],
    ['served', b, false, [a], ['clicks_cap']],
  );
  const counted = await deps.database.query(
    'SELECT count(*)::int AS n FROM impressions WHERE client_id = $1',
    [clientId],
  );
  assert.equal((counted.rows[0] as { n: number }).n, 2);
});

test('a request whose data keeps changing under it is still served, within the caps', async () => {
  const { advertiser, clients, campaigns } = await world(2, 2);
  const [clientId] = clients as [string, string];
  await serveAd(deps, { clientId, ...viewer });
  // Before every statement the client's profile moves: each read is outdated when it is used.
  const catalogVersions: unknown[] = [];
  const database: Deps['database'] = {
    ...deps.database,
    async prepared<T>(statement: { name: string; text: string }, params: unknown[]) {
      if (statement.name === 'adnova_serve_ads') {
        catalogVersions.push(...(params[2] as unknown[]));
        await upsertMlScoreRows(deps.db, [
          { client_id: clientId, advertiser_id: advertiser.advertiser_id, score: catalogVersions.length },
        ]);
      }
      return deps.database.prepared<T>(statement, params);
    },
  };
  const moving: Deps = { ...deps, database, serving: createServeQueue(database) };
  const ad = await serveAd(moving, { clientId, ...viewer });
  assert.ok(campaigns.includes(ad.ad_id));
  assert.equal(catalogVersions.length, 3, 'refused twice, then sent without the checks');
  assert.equal(catalogVersions.at(-1), null);
});

test('an outdated day, catalog or profile is refused with the current ones; an unknown client too', async () => {
  const { advertiser, clientId, request } = await world(1);
  const stale = await serveAdRow(deps.database, request({ catalogVersion: -1 }));
  assert.equal(stale.outcome, 'stale');
  assert.equal(stale.served, null);
  const fresh = request({});
  assert.equal(Number(stale.catalog), fresh.catalogVersion);

  // New ML scores move the client's profile version.
  await upsertMlScoreRows(deps.db, [
    { client_id: clientId, advertiser_id: advertiser.advertiser_id, score: 70 },
  ]);
  const moved = await serveAdRow(deps.database, request({}));
  assert.equal(moved.outcome, 'stale');
  assert.equal(Number(moved.profile), fresh.profileVersion + 1);
  // So does a changed age, but not an upsert that changes nothing.
  const profile = await findClientProfile(deps.database, clientId);
  const same = {
    client_id: clientId,
    login: 'c0',
    age: 30,
    location: profile?.location ?? '',
    gender: 'FEMALE' as const,
  };
  await upsertClients(deps, [same]);
  assert.equal(
    Number((await findClientProfile(deps.database, clientId))?.profile_version),
    fresh.profileVersion + 1,
  );
  await upsertClients(deps, [{ ...same, age: 31 }]);
  assert.equal(
    Number((await findClientProfile(deps.database, clientId))?.profile_version),
    fresh.profileVersion + 2,
  );

  const unknown = await serveAdRow(deps.database, { ...request({}), clientId: randomUUID() });
  assert.equal(unknown.outcome, 'unknown_client');
});

test('serveAd follows a profile change made after the profile was cached', async () => {
  const location = `L-${randomUUID()}`;
  const advertiser = { advertiser_id: randomUUID(), name: 'Acme' };
  await upsertAdvertisers(deps, [advertiser]);
  const client = { client_id: randomUUID(), login: 'c', age: 30, location, gender: 'FEMALE' as const };
  await upsertClients(deps, [client]);
  const base = {
    clicks_limit: 5,
    cost_per_impression: 1,
    cost_per_click: 1,
    ad_title: 't',
    ad_text: 'x',
    start_date: 0,
    end_date: 0,
  };
  const young = await createCampaign(deps, advertiser.advertiser_id, {
    ...base,
    impressions_limit: 5,
    targeting: { location, age_to: 30 },
  });
  const old = await createCampaign(deps, advertiser.advertiser_id, {
    ...base,
    impressions_limit: 5,
    targeting: { location, age_from: 40 },
  });
  assert.equal((await serveAd(deps, { clientId: client.client_id, ...viewer })).ad_id, young.campaign_id);
  assert.ok(deps.profiles.get(client.client_id), 'the profile is cached');
  await upsertClients(deps, [{ ...client, age: 45 }]);
  // The cached profile says 30: the statement refuses it, the profile is re-read, 45 is served.
  assert.equal((await serveAd(deps, { clientId: client.client_id, ...viewer })).ad_id, old.campaign_id);
  // A click, then the campaign is served again as seen and clicked.
  await recordClick(deps, old.campaign_id, client.client_id);
  assert.equal((await serveAd(deps, { clientId: client.client_id, ...viewer })).ad_id, old.campaign_id);
});

test('rankForServing sends the best servable candidates in the order of rankCandidates', () => {
  const entries: CatalogEntry[] = Array.from({ length: 60 }, (_, i) => ({
    id: `c${i}`,
    advertiserId: `a${i % 7}`,
    seq: i,
    // Ranking never reads what the ad shows.
    ad: {} as ServedContent,
    adImageKey: null,
    costPerImpression: (i * 37) % 11,
    costPerClick: (i * 13) % 17,
    targetGender: null,
    targetAgeFrom: null,
    targetAgeTo: i % 10 === 0 ? 20 : null,
    targetLocation: null,
    impressionsLimit: 100,
    impressions: (i * 7) % 100,
    clicksLimit: 10,
    clicks: i % 11 === 0 ? 10 : (i * 3) % 10,
    full: i % 9 === 0 || i % 11 === 0,
  }));
  const client = {
    age: 30,
    gender: 'MALE' as const,
    location: 'X',
    scores: new Map(Array.from({ length: 7 }, (_, a) => [`a${a}`, a * 1400])),
    seen: new Set(entries.filter((_, i) => i % 4 === 0).map((e) => e.id)),
    clicked: new Set(entries.filter((_, i) => i % 8 === 0).map((e) => e.id)),
  };
  const prices = new Map(
    entries.filter((_, i) => i % 3 === 0).map((e) => [e.id, { impression: 1, click: 2 }]),
  );
  // The reference: every candidate the client may be shown in its state, ranked by select-ad.ts.
  const servable: Candidate[] = entries
    .filter((e) => e.targetAgeTo === null)
    .filter((e) => (client.seen.has(e.id) ? e.clicks < e.clicksLimit : !e.full))
    .map((e) => ({
      ...e,
      campaignId: e.id,
      score: client.scores.get(e.advertiserId) ?? 0,
      seen: client.seen.has(e.id),
      clicked: client.clicked.has(e.id),
      impressionPrice: prices.get(e.id)?.impression ?? 0,
      clickPrice: prices.get(e.id)?.click ?? 0,
    }));
  const expected = rankCandidates(servable, priorClickProbability);
  assert.ok(expected.some((c) => c.seen) && expected.some((c) => !c.seen));
  assert.ok(expected.length > SERVE_BATCH);

  const all = rankForServing(entries, client, prices, priorClickProbability, Infinity);
  assert.deepEqual(
    all.campaigns,
    expected.map((c) => c.campaignId),
  );
  assert.deepEqual(
    all.seen,
    expected.map((c) => c.seen),
  );
  assert.deepEqual(
    all.clicked,
    expected.map((c) => c.clicked),
  );
  assert.equal(all.more, false);
  const batch = rankForServing(entries, client, prices, priorClickProbability, SERVE_BATCH);
  assert.deepEqual(
    batch.campaigns,
    expected.slice(0, SERVE_BATCH).map((c) => c.campaignId),
  );
  assert.equal(batch.more, true);
});

test('64 concurrent requests for 8 clients never overshoot a limit or record a client twice', async () => {
  const { clients, campaigns } = await world(3, 8);
  const served = await Promise.allSettled(
    Array.from({ length: 64 }, (_, i) => serveAd(deps, { clientId: clients[i % 8] ?? '', ...viewer })),
  );
  // Three impressions in all (limit 1 each); the other clients find nothing.
  for (const s of served)
    if (s.status === 'rejected') assert.equal((s.reason as { code?: string }).code, 'NOT_FOUND');
  assert.ok(served.some((s) => s.status === 'fulfilled'));
  const { rows } = await deps.database.query(
    'SELECT campaign_id, count(*)::int AS n, count(DISTINCT client_id)::int AS d FROM impressions WHERE campaign_id = ANY($1::uuid[]) GROUP BY 1',
    [campaigns],
  );
  for (const row of rows as { n: number; d: number }[]) assert.deepEqual([row.n, row.d], [1, 1]);
  const counters = await deps.database.query(
    'SELECT impressions_count FROM campaigns WHERE id = ANY($1::uuid[])',
    [campaigns],
  );
  assert.ok((counters.rows as { impressions_count: number }[]).every((r) => r.impressions_count <= 1));
});

test('warming fills the cache with the most active clients first, then others, up to its size', async () => {
  const { clients } = await world(1, 6);
  const small = await createDeps(
    loadConfig({
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'silent',
      ADS_THROTTLE_ENABLED: 'false',
      PLANNER_ENABLED: 'false',
      CLIENT_CACHE_SIZE: '3',
    }),
  );
  try {
    // The other database gets the same six clients, two of them active this week.
    const rows = await deps.database.query(
      'SELECT id, login, age, location, gender FROM clients WHERE id = ANY($1::uuid[])',
      [clients],
    );
    await upsertClients(
      small,
      (
        rows.rows as { id: string; login: string; age: number; location: string; gender: 'MALE' | 'FEMALE' }[]
      ).map((r) => ({ client_id: r.id, login: r.login, age: r.age, location: r.location, gender: r.gender })),
    );
    const [busy, quiet] = [clients[4] ?? '', clients[5] ?? ''];
    await small.database.query(
      'INSERT INTO client_traffic (client_id, day, requests) VALUES ($1, 0, 9), ($2, 0, 1)',
      [busy, quiet],
    );
    assert.equal(await warmClientProfiles(small, 0), 3);
    assert.equal(small.profiles.size(), 3);
    assert.equal(small.profiles.get(busy)?.age, 30);
    assert.ok(small.profiles.get(quiet), 'both active clients are cached');
  } finally {
    await small.close();
  }
});

test('issue 15: a profile read failing while the throttle decides is the request’s error, not an unhandled rejection', async () => {
  // Found behind PgBouncer: the read (started before the decision, to overlap the two) failed at
  // once while the throttle still waited, and the rejection, not yet awaited, ended the process.
  const failing: Deps = {
    ...deps,
    config: { ...deps.config, throttle: { ...deps.config.throttle, enabled: true } },
    throttle: {
      ...deps.throttle,
      async decide(...args) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return deps.throttle.decide(...args);
      },
    },
    database: {
      ...deps.database,
      prepared: () =>
        Promise.reject(new Error('prepared statement "adnova_client_profile_v2" already exists')),
    },
  };
  await assert.rejects(serveAd(failing, { clientId: randomUUID(), ...viewer }), /already exists/);
});

/** The serving statements a queue sends: each group's client ids and whether it may wait, and any error. */
function watched(database: Deps['database']) {
  const groups: string[][] = [];
  const waits: boolean[] = [];
  const errors: unknown[] = [];
  const watching: Deps['database'] = {
    ...database,
    async prepared<T>(statement: { name: string; text: string }, params: unknown[]) {
      if (statement.name === 'adnova_serve_ads') {
        groups.push(params[0] as string[]);
        waits.push(params[12] as boolean);
      }
      return database.prepared<T>(statement, params).catch((error: unknown) => {
        errors.push(error);
        throw error;
      });
    },
  };
  return { groups, waits, errors, queue: createServeQueue(watching) };
}

test('requests that arrive together share one statement, each served in turn with its own answer', async () => {
  const { clients, campaigns, request } = await world(3, 3);
  const [a, b, c] = campaigns as [string, string, string];
  const { groups, queue } = watched(deps.database);
  // Each campaign takes one impression: the second request finds a full, the third a and b.
  const answers = await Promise.all(clients.map((clientId) => queue.serve({ ...request({}), clientId })));
  assert.deepEqual(groups, [clients]);
  assert.deepEqual(
    answers.map((r) => [r.outcome, r.served, r.recorded, r.closed]),
    [
      ['served', a, true, []],
      ['served', b, true, [a]],
      ['served', c, true, [a, b]],
    ],
  );
  // A lone request goes at once, in a group of its own: a, seen, is shown again.
  const alone = await queue.serve({
    ...request({ seenCount: 1, seen: [true, false, false] }),
    clientId: clients[0] ?? '',
  });
  assert.deepEqual(
    [alone.outcome, alone.served, alone.recorded, groups.at(-1)],
    ['served', a, false, [clients[0]]],
  );
});

test(`a group holds at most ${SERVE_GROUP_MAX} requests; the rest go in the next`, async () => {
  const { clients, request } = await world(1, SERVE_GROUP_MAX + 8);
  const { groups, queue } = watched(deps.database);
  const answers = await Promise.all(clients.map((clientId) => queue.serve({ ...request({}), clientId })));
  assert.deepEqual(
    groups.map((g) => g.length),
    [SERVE_GROUP_MAX, 8],
  );
  assert.equal(answers.filter((r) => r.outcome === 'served').length, 1);
  assert.equal(answers.filter((r) => r.outcome === 'none').length, SERVE_GROUP_MAX + 7);
});

test('a request the database refuses fails alone: the rest of its group is served', async () => {
  const { clients, campaigns, request } = await world(2, 2);
  const { groups, queue } = watched(deps.database);
  const [first, bad, second] = await Promise.allSettled([
    queue.serve({ ...request({}), clientId: clients[0] ?? '' }),
    queue.serve({ ...request({}), clientId: 'not-a-uuid' }),
    queue.serve({ ...request({}), clientId: clients[1] ?? '' }),
  ]);
  assert.equal(bad?.status, 'rejected');
  assert.equal((bad as PromiseRejectedResult).reason.code, '22P02');
  const served = [first, second].map((r) => (r as PromiseFulfilledResult<ServeResult>).value.served);
  assert.deepEqual(served, campaigns);
  // The group, then each request again alone.
  assert.deepEqual(
    groups.map((g) => g.length),
    [3, 1, 1, 1],
  );
});

test('a campaign another transaction holds holds up no group: its request answers busy, goes again, then alone to wait', {
  skip: DATABASE_URL ? false : POSTGRES_SKIP,
}, async () => {
  const { clients, campaigns, request } = await world(3, 3);
  const [a, b, c] = campaigns as [string, string, string];
  const [first, second, third] = clients as [string, string, string];
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE', [a]);
    // In the statement itself: once the group holds b, the request for a answers busy at once
    // and records nothing.
    const direct = await serveAdRows(deps.database, [
      { ...request({ campaigns: [b] }), clientId: first },
      { ...request({ campaigns: [a] }), clientId: second },
    ]);
    assert.deepEqual(
      direct.map((r) => [r.outcome, r.served]),
      [
        ['served', b],
        ['busy', null],
      ],
    );
    const impressions = async (clientId: string) =>
      (
        (
          await deps.database.query('SELECT count(*)::int AS n FROM impressions WHERE client_id = $1', [
            clientId,
          ])
        ).rows[0] as { n: number }
      ).n;
    assert.equal(await impressions(second), 0);

    // Through the queue: busy behind c, twice more in a group of its own, then alone, where it
    // waits for a; the group's other request is answered meanwhile.
    const { groups, waits, errors, queue } = watched(deps.database);
    const otherAnswer = queue.serve({ ...request({ campaigns: [c] }), clientId: third });
    const answer = queue.serve({ ...request({ campaigns: [a] }), clientId: second });
    const served = await otherAnswer;
    assert.deepEqual([served.outcome, served.served, served.recorded], ['served', c, true]);
    for (;;) {
      const waiting = await deps.database.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        [],
      );
      if ((waiting.rows[0] as { n: number }).n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(groups, [[third, second], [second], [second], [second]]);
    assert.deepEqual(waits, [false, false, false, true]);
    await holder.query('COMMIT');
    const waited = await answer;
    assert.deepEqual([waited.outcome, waited.served, waited.recorded], ['served', a, true]);
    assert.equal(await impressions(second), 1);
    assert.deepEqual(errors, []);
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await holder.end();
  }
});

test('two processes’ groups racing for the same campaigns in opposite orders never deadlock or overshoot', {
  skip: DATABASE_URL ? false : POSTGRES_SKIP,
}, async () => {
  const other = await createDeps(
    loadConfig({ DATABASE_URL: databaseUrl ?? '', LOG_LEVEL: 'silent', DATABASE_MIGRATE: 'false' }),
  );
  try {
    const one = watched(deps.database);
    const two = watched(other.database);
    // A few rounds: a deadlock, if the statement allowed one, shows within them (checked by
    // letting every request wait: it failed with 40P01).
    for (let round = 0; round < 4; round++) {
      const { clients, campaigns, request } = await world(8, 48);
      const reversed = [...campaigns].reverse();
      const answers = await Promise.all(
        clients.map((clientId, i) =>
          (i % 2 ? two : one).queue.serve({
            ...request({ campaigns: i % 2 ? reversed : campaigns }),
            clientId,
          }),
        ),
      );
      assert.deepEqual([...one.errors, ...two.errors], []);
      assert.equal(answers.filter((r) => r.outcome === 'served' && r.recorded).length, campaigns.length);
      const { rows } = await deps.database.query(
        'SELECT count(*)::int AS n FROM impressions WHERE campaign_id = ANY($1::uuid[]) GROUP BY campaign_id',
        [campaigns],
      );
      assert.deepEqual(
        (rows as { n: number }[]).map((r) => r.n),
        campaigns.map(() => 1),
      );
    }
  } finally {
    await other.close();
  }
});
