import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DATABASE_URL, POSTGRES_SKIP } from '@adnova/test-utils/stores';
import { upsertAdvertisers } from '../advertisers/advertisers.ts';
import { createCampaign } from '../campaigns/campaigns.ts';
import { upsertClients } from '../clients/clients.ts';
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { upsertMlScoreRows } from '../ml-scores/ml-scores.repo.ts';
import { createLpThread } from '../shared/lp-thread.ts';
import { serveAd } from './ads.ts';
import { claimPlanning, loadPlanState } from './planner.repo.ts';
import {
  createPriceBook,
  createSelectionPlanner,
  createTrafficCounter,
  type PlanOutcome,
} from './selection-planner.ts';

// Two planners on one database stand for two processes: each has its own planner, price book and
// traffic counter (the PostgreSQL variant gives each its own connection pool too).

const viewer = { remoteAddress: '127.0.0.1', headers: { 'user-agent': 'planner-test' } };

function suite(
  name: string,
  open: () => Promise<{ a: Deps; b: Deps; close(): Promise<void> }>,
  skip?: string,
) {
  describe(name, { skip }, () => {
    let a: Deps;
    let b: Deps;
    let close: () => Promise<void>;
    const thread = createLpThread();
    let clock = 0;
    before(async () => {
      ({ a, b, close } = await open());
    });
    after(async () => {
      await thread.close();
      await close?.();
    });
    const plannerOf = (deps: Deps) =>
      createSelectionPlanner(deps, {
        intervalMs: 1_000,
        checkMs: 1_000,
        now: () => clock,
        solve: (model) => thread.solve(model),
      });

    test('one plans, both rank with the same price version, and a re-plan is picked up', async () => {
      const advertiser = { advertiser_id: randomUUID(), name: 'Acme' };
      await upsertAdvertisers(a, [advertiser]);
      const clients = Array.from({ length: 40 }, (_, i) => ({
        client_id: randomUUID(),
        login: `p${i}`,
        age: 30,
        location: 'Planner',
        gender: 'FEMALE' as const,
      }));
      await upsertClients(a, clients);
      await upsertMlScoreRows(
        a.db,
        clients.map((c, i) => ({
          client_id: c.client_id,
          advertiser_id: advertiser.advertiser_id,
          score: i * 250,
        })),
      );
      const make = (limit: number, cpc: number) =>
        createCampaign(a, advertiser.advertiser_id, {
          impressions_limit: limit,
          clicks_limit: limit,
          cost_per_impression: 1,
          cost_per_click: cpc,
          ad_title: 't',
          ad_text: 'x',
          start_date: 0,
          end_date: 3,
          targeting: { location: 'Planner' },
        });
      await make(1_000, 0);
      // Traffic from both "processes": each counts its own and flushes on its tick.
      for (const [i, c] of clients.entries())
        await serveAd(i % 2 ? a : b, { clientId: c.client_id, ...viewer });
      // Five impressions for forty clients who click at different rates: worth saving for the best.
      const scarce = await make(5, 20);

      const pa = plannerOf(a);
      const pb = plannerOf(b);
      const outcomes: PlanOutcome[] = await Promise.all([pa.tick(), pb.tick()]);
      assert.equal(outcomes.filter((o) => o.kind === 'planned').length, 1, JSON.stringify(outcomes));
      const first = await loadPlanState(a.db);
      assert.ok(first.version > 0);
      const [pricesA, pricesB] = await Promise.all([
        createPriceBook().get(a.db, first.version),
        createPriceBook().get(b.db, first.version),
      ]);
      assert.deepEqual([...pricesA], [...pricesB]);
      assert.ok(
        (pricesA.get(scarce.campaign_id)?.impression ?? 0) > 0,
        `the scarce campaign has a price: ${JSON.stringify([outcomes, [...pricesA]])}`,
      );

      // Both planners now see a current plan: nothing to do.
      assert.equal((await pa.tick()).kind, 'current');
      assert.equal((await pb.tick()).kind, 'current');

      // A new campaign changes the catalog: the next tick of either process re-plans.
      const added = await make(5, 20);
      const replanned = await pb.tick();
      assert.equal(replanned.kind, 'planned');
      const second = await loadPlanState(a.db);
      assert.equal(second.version, first.version + 1);
      // Process a's book reloads for the new version and knows the new campaign.
      const book = createPriceBook();
      await book.get(a.db, first.version);
      assert.ok((await book.get(a.db, second.version)).has(added.campaign_id));

      // The interval passes by the planners' clock: one of them re-plans.
      clock += 1_000;
      const later = await Promise.all([pa.tick(), pb.tick()]);
      assert.equal(later.filter((o) => o.kind === 'planned').length, 1, JSON.stringify(later));
    });

    test('while another process holds the claim, a planner does not plan', async () => {
      const planner = plannerOf(b);
      assert.equal((await planner.tick()).kind, 'current');
      const state = await loadPlanState(a.db);
      assert.ok(await claimPlanning(a.db, randomUUID(), state.version, 60));
      clock += 10_000;
      assert.equal((await planner.tick()).kind, 'busy');
    });
  });
}

suite('planner, two planners on one PGlite', async () => {
  const deps = await createDeps(
    loadConfig({
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'silent',
      ADS_THROTTLE_ENABLED: 'false',
      PLANNER_ENABLED: 'true',
    }),
  );
  // One database, two processes' worth of in-process state.
  const other: Deps = { ...deps, prices: createPriceBook(), traffic: createTrafficCounter() };
  return { a: deps, b: other, close: () => deps.close() };
});

suite(
  'planner, two processes on PostgreSQL',
  async () => {
    const database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      ADS_THROTTLE_ENABLED: 'false',
      PLANNER_ENABLED: 'true',
    });
    const a = await createDeps(config);
    const b = await createDeps(config);
    return {
      a,
      b,
      async close() {
        await a.close();
        await b.close();
        await database.drop();
      },
    };
  },
  DATABASE_URL ? undefined : POSTGRES_SKIP,
);
