import { recordClick, serveAd } from '@adnova/core/ads/ads';
import { createClickModel } from '@adnova/core/ads/click-model';
import { createSelectionPlanner } from '@adnova/core/ads/selection-planner';
import { upsertAdvertisers } from '@adnova/core/advertisers/advertisers';
import { createCampaign } from '@adnova/core/campaigns/campaigns';
import { upsertClients } from '@adnova/core/clients/clients';
import { advanceTime } from '@adnova/core/clock/clock';
import { loadConfig } from '@adnova/core/config';
import { createDeps } from '@adnova/core/deps';
import { AppError } from '@adnova/core/errors';
import { upsertMlScoreRows } from '@adnova/core/ml-scores/ml-scores.repo';
import { solveLp } from '@adnova/core/shared/lp';
import type { LoadProgress, Policy } from './policy.ts';
import type { SimulationWorkload } from './simulation-workload.ts';

/**
 * The real engine in-process: its own PGlite in memory, throttle off (the simulator measures
 * selection, not per-viewer throttling), loaded through the domain functions on day 0. Campaigns
 * are created one by one in workload order, so creation order (the engine's final tie-break)
 * matches the reference's. With `planner` (the default, as in production) the selection planner
 * re-plans on the simulator's clock; without it (`adnova-greedy`) ranking is greedy.
 */
export async function createAdnovaPolicy(
  w: SimulationWorkload,
  onProgress?: LoadProgress,
  { planner: planned = true }: { planner?: boolean } = {},
): Promise<Policy> {
  const deps = await createDeps(
    loadConfig({
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'silent',
      ADS_THROTTLE_ENABLED: 'false',
      PLANNER_ENABLED: String(planned),
    }),
  );
  try {
    const total = w.campaigns.length + 3;
    let done = 0;
    const step = () => onProgress?.(++done, total);
    await upsertAdvertisers(deps, w.advertisers);
    step();
    await upsertClients(deps, w.clients);
    step();
    await upsertMlScoreRows(deps.db, w.mlScores);
    step();
    const ids: string[] = [];
    for (const c of w.campaigns) {
      ids.push((await createCampaign(deps, c.advertiser_id, c.campaign)).campaign_id);
      step();
    }
    const byId = new Map(ids.map((id, i) => [id, i]));
    // A fixed viewer address: with the throttle off it is unused, but the request type wants one.
    const viewer = { remoteAddress: '127.0.0.1', headers: { 'user-agent': 'adnova-simulator' } };
    // The click model refreshes on a clock of selections instead of wall time (every 250, with no
    // settle delay), so a seed always gives the same table however fast the machine is.
    let selections = 0;
    const engine = {
      ...deps,
      clickModel: createClickModel({ refreshMs: 250, settleSeconds: 0, now: () => selections }),
    };
    // The planner too runs on the selection clock: it re-plans about 8 times a simulated day and
    // at each new day, on this thread (nothing else waits for it here).
    const perDay = Math.max(1, Math.round(w.size.requests / Math.max(1, w.size.days)));
    const replanEvery = Math.max(50, Math.round(perDay / 8));
    const planner = createSelectionPlanner(engine, {
      intervalMs: replanEvery,
      checkMs: replanEvery,
      now: () => selections,
      solve: (model) => solveLp(model),
    });
    // A failed plan is a bug here (one process, no outage): stop the run rather than hide it.
    const replan = async () => {
      const outcome = await planner.tick();
      if (outcome.kind === 'failed') throw outcome.error;
    };
    if (planned) await replan();

    return {
      name: planned ? 'adnova' : 'adnova-greedy',
      async serve(client) {
        const clientId = w.clients[client]?.client_id ?? '';
        try {
          if (selections > 0 && selections % replanEvery === 0 && planned) await replan();
          selections += 1;
          const ad = await serveAd(engine, { clientId, ...viewer });
          const index = byId.get(ad.ad_id);
          if (index === undefined) throw new Error(`the engine served an unknown campaign ${ad.ad_id}`);
          return index;
        } catch (error) {
          if (error instanceof AppError && (error.code === 'NOT_FOUND' || error.code === 'THROTTLED'))
            return null;
          throw error;
        }
      },
      async click(campaign, client) {
        await recordClick(deps, ids[campaign] ?? '', w.clients[client]?.client_id ?? '');
      },
      async advanceDay(day) {
        await advanceTime(deps, day);
        if (planned) await replan();
      },
      close: () => deps.close(),
    };
  } catch (error) {
    await deps.close();
    throw error;
  }
}
