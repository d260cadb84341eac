import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { upsertAdvertisers } from '../advertisers/advertisers.ts';
import type { CreateCampaignInput } from '../campaigns/campaigns.schema.ts';
import { createCampaign } from '../campaigns/campaigns.ts';
import { upsertClients } from '../clients/clients.ts';
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { upsertMlScoreRows } from '../ml-scores/ml-scores.repo.ts';
import { recordClick, serveAd } from './ads.ts';
import { loadClickCountsSince, START_CURSOR } from './click-model.repo.ts';
import { createClickModel } from './click-model.ts';
import { priorClickProbability, SELECTION } from './select-ad.ts';

// One in-memory platform for the file; each test isolates itself with its own location.
let deps: Deps;
before(async () => {
  deps = await createDeps(
    loadConfig({ DATABASE_URL: 'memory://', LOG_LEVEL: 'silent', ADS_THROTTLE_ENABLED: 'false' }),
  );
});
after(() => deps.close());

const viewer = { remoteAddress: '127.0.0.1', headers: { 'user-agent': 'ads-test' } };

/** A world of its own: one advertiser, `clients` clients in a fresh location, campaigns for it. */
async function world(clients: number, campaigns: Partial<CreateCampaignInput>[], score = 0) {
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
  if (score > 0)
    await upsertMlScoreRows(
      deps.db,
      people.map((p) => ({ client_id: p.client_id, advertiser_id: advertiser.advertiser_id, score })),
    );
  const ids: string[] = [];
  for (const c of campaigns) {
    const input: CreateCampaignInput = {
      impressions_limit: 10,
      clicks_limit: 10,
      cost_per_impression: 1,
      cost_per_click: 1,
      ad_title: 't',
      ad_text: 'x',
      start_date: 0,
      end_date: 0,
      targeting: { location },
      ...c,
    };
    ids.push((await createCampaign(deps, advertiser.advertiser_id, input)).campaign_id);
  }
  return { clients: people.map((p) => p.client_id), ids };
}

const serve = async (clientId: string): Promise<string | null> => {
  try {
    return (await serveAd(deps, { clientId, ...viewer })).ad_id;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
};

test('a campaign at its impressions limit is never chosen, however much it pays', async () => {
  const { clients, ids } = await world(3, [
    { impressions_limit: 1, clicks_limit: 1, cost_per_impression: 5 },
    { impressions_limit: 10, cost_per_impression: 1 },
  ]);
  const [rich, cheap] = ids;
  assert.equal(await serve(clients[0] ?? ''), rich);
  assert.equal(await serve(clients[1] ?? ''), cheap);
  assert.equal(await serve(clients[2] ?? ''), cheap);
  // Its one viewer is better served a new impression now than a re-showing.
  assert.equal(await serve(clients[0] ?? ''), cheap);
});

test('a click-limited campaign stops being shown to everybody, the clicker included', async () => {
  const { clients, ids } = await world(3, [
    { clicks_limit: 1, cost_per_impression: 5 },
    { cost_per_impression: 1 },
  ]);
  const [limited, other] = ids;
  assert.equal(await serve(clients[0] ?? ''), limited);
  assert.equal(await serve(clients[1] ?? ''), limited);
  await recordClick(deps, limited ?? '', clients[0] ?? '');
  for (const client of clients) assert.equal(await serve(client), other);
});

test('the click model learns from recorded impressions and clicks by score band, incrementally', async () => {
  const band = 7;
  const score = band * SELECTION.learning.bucketWidth + 1;
  const options = {
    bandWidth: SELECTION.learning.bucketWidth,
    bands: SELECTION.learning.buckets,
    settleSeconds: 0,
  };
  let now = 0;
  const model = createClickModel({ settleSeconds: 0, refreshMs: 1000, now: () => now });
  const width = SELECTION.learning.bucketWidth;
  const prior = priorClickProbability((band + 0.5) * width);
  const initial = await model.get(deps.db);
  const before = await loadClickCountsSince(deps.db, START_CURSOR, options);

  const { clients, ids } = await world(6, [{ impressions_limit: 6, clicks_limit: 6 }], score);
  for (const client of clients) assert.equal(await serve(client), ids[0]);
  for (const client of clients.slice(0, 3)) await recordClick(deps, ids[0] ?? '', client);

  // Since the earlier cursor: exactly the new rows; from the new cursor: nothing.
  const since = await loadClickCountsSince(deps.db, before.cursor, options);
  assert.equal(since.counts.impressions[band], 6);
  assert.equal(since.counts.clicks[band], 3);
  const after = await loadClickCountsSince(deps.db, since.cursor, options);
  assert.deepEqual(after.counts.impressions, new Array(SELECTION.learning.buckets).fill(0));
  // Rows younger than the settle delay wait for the next read.
  const unsettled = await loadClickCountsSince(deps.db, before.cursor, { ...options, settleSeconds: 3600 });
  assert.equal(unsettled.counts.impressions[band], 0);
  assert.deepEqual(unsettled.cursor, before.cursor);

  // The model refreshes in the background once due, and a 50 % click rate lifts the band.
  assert.equal(await model.get(deps.db), initial, 'not due yet: the cached estimate');
  now += 1000;
  await model.get(deps.db);
  const learned = await waitFor(async () => {
    const estimate = await model.get(deps.db);
    return estimate(score) > initial(score) + 0.01 ? estimate : undefined;
  });
  assert.ok(learned(score) > prior);
  assert.equal(learned(3 * width), initial(3 * width), 'bands without new data keep their estimate');
});

/** Polls `probe` until it yields a value (background work finishing), failing after `ms`. */
async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
