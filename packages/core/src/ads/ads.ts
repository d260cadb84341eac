import type { AdsDecision, HeaderBag } from '@adnova/ads-throttle';
import { mediaUrl } from '../campaigns/campaigns.ts';
import { clientExists } from '../clients/clients.repo.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { normalizeId } from '../shared/schema.ts';
import { recordClickRow, recordImpressionRow } from './ads.repo.ts';
import type { Ad } from './ads.schema.ts';
import { type ClientSnapshot, findClientSnapshot } from './catalog.repo.ts';
import { type CatalogEntry, matchesTargeting } from './catalog.ts';
import type { ShadowPrices } from './planner.ts';
import { bestFirst, type Candidate } from './select-ad.ts';

/** Throttle scope of `GET /ads` when the caller names none. */
export const DEFAULT_AD_SCOPE = '/ads';

/** One `GET /ads`: the client it is for and what the throttle needs to know about the viewer. */
export type AdRequest = {
  clientId: string;
  /** Throttle scope: impressions are counted per (scope, viewer); default `/ads`. */
  scope?: string | undefined;
  /**
   * The socket peer address (Fastify's `request.ip`, which trusts no proxy headers). The throttle
   * resolves the client IP from it and, only for peers its own `ADS_THROTTLE_TRUST_PROXY` trusts,
   * from forwarding headers (spec ads-throttle.md §4.3).
   */
  remoteAddress: string | undefined;
  /** The request headers: the User-Agent, and forwarding headers for the rule above. */
  headers: HeaderBag;
};

/**
 * Serves an ad for one request: asks the ads throttle first (one decision per request, counted
 * per client, IP and User-Agent in the scope), then selects and records as `selectAd` does.
 * @throws AppError THROTTLED when the throttle refuses the viewer (no impression recorded);
 * NOT_FOUND for an unknown client or when nothing is eligible.
 */
export async function serveAd(
  deps: Pick<
    Deps,
    'db' | 'database' | 'config' | 'throttle' | 'catalog' | 'clickModel' | 'prices' | 'traffic' | 'metrics'
  >,
  request: AdRequest,
): Promise<Ad> {
  const clientId = normalizeId(request.clientId);
  if (deps.config.throttle.enabled) {
    const decision = await deps.throttle.decide(
      { userId: clientId, remoteAddress: request.remoteAddress, headers: request.headers },
      { scope: request.scope ?? DEFAULT_AD_SCOPE },
    );
    if (!decision.show) {
      deps.metrics.adRequests.inc({ outcome: 'throttled' });
      throw throttled(decision);
    }
  }
  const stop = deps.metrics.selectionDuration.startTimer();
  try {
    return await selectAd(deps, clientId);
  } finally {
    stop();
  }
}

function throttled(decision: AdsDecision): AppError {
  const seconds = decision.retryAfterSeconds;
  // A refusal with no end (a force-block without expiry) gets no Retry-After.
  if (seconds === undefined) return new AppError('THROTTLED', 'Ads are throttled for this viewer.');
  return new AppError('THROTTLED', `Ads are throttled for this viewer; retry in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/**
 * Picks the best eligible ad for a client and records its impression atomically (spec §3.11,
 * §5.4). The impression is committed before this returns; a campaign that fills up between the
 * read and the write is skipped for the next best. No throttle: callers go through `serveAd`.
 * @throws AppError NOT_FOUND for an unknown client or when nothing is eligible.
 */
async function selectAd(
  deps: Pick<
    Deps,
    'db' | 'database' | 'config' | 'catalog' | 'clickModel' | 'prices' | 'traffic' | 'metrics'
  >,
  clientId: string,
): Promise<Ad> {
  const client = await findClientSnapshot(deps.database, clientId);
  if (!client) {
    deps.metrics.adRequests.inc({ outcome: 'unknown_client' });
    throw notFound();
  }
  deps.traffic.note(client.day, clientId);
  const entries = await deps.catalog.get(deps.db, Number(client.version), client.day);
  await deps.catalog.syncCounters(deps.db);
  const clickEstimate = await deps.clickModel.get(deps.db);
  const prices = await deps.prices.get(deps.db, Number(client.plan_version));
  const candidates = eligibleCandidates(entries, client, prices);

  const overshoot = deps.config.ads.impressionsOvershoot;
  for (const candidate of bestFirst(candidates, clickEstimate)) {
    // Re-serving an ad the client has seen writes nothing (spec §8 #15). A new impression goes
    // through the atomic check-and-record, which has the last word on both caps.
    if (!candidate.seen) {
      const outcome = await recordImpressionRow(
        deps.database,
        candidate.campaignId,
        clientId,
        client.day,
        overshoot,
      );
      deps.metrics.impressionRecords.inc({ outcome });
      if (outcome === 'impressions_cap' || outcome === 'clicks_cap')
        deps.catalog.markFull(candidate.campaignId);
      if (outcome !== 'recorded' && outcome !== 'seen') continue;
    }
    const { entry } = candidate;
    deps.metrics.adRequests.inc({ outcome: 'served' });
    return {
      ad_id: entry.id,
      ad_title: entry.adTitle,
      ad_text: entry.adText,
      advertiser_id: entry.advertiserId,
      ad_image: entry.adImageKey ? mediaUrl(deps.config, entry.adImageKey) : null,
    };
  }
  deps.metrics.adRequests.inc({ outcome: 'no_fill' });
  throw notFound();
}

/**
 * The campaigns a client may be shown now, as ranking candidates with the plan's prices: running
 * today, matching its targeting, and neither full (for a new impression) nor at the clicks cap
 * (for a returning client, spec §5.4.3). Pure; the CPU part of selection (see `bench/selection.ts`).
 */
export function eligibleCandidates(
  entries: readonly CatalogEntry[],
  client: Pick<ClientSnapshot, 'age' | 'gender' | 'location' | 'scores' | 'seen' | 'clicked' | 'capped'>,
  prices: ReadonlyMap<string, ShadowPrices>,
): (Candidate & { entry: CatalogEntry })[] {
  const seen = new Set(client.seen);
  const clicked = new Set(client.clicked);
  const capped = new Set(client.capped);
  const candidates: (Candidate & { entry: CatalogEntry })[] = [];
  for (const entry of entries) {
    if (!matchesTargeting(entry, client)) continue;
    const wasSeen = seen.has(entry.id);
    // A returning client: not once the clicks cap is reached (read fresh with the snapshot).
    // A new client: not once the campaign is known to be full.
    if (wasSeen ? capped.has(entry.id) : entry.full) continue;
    const price = prices.get(entry.id);
    candidates.push({
      entry,
      campaignId: entry.id,
      advertiserId: entry.advertiserId,
      seq: entry.seq,
      costPerImpression: entry.costPerImpression,
      costPerClick: entry.costPerClick,
      score: client.scores[entry.advertiserId] ?? 0,
      seen: wasSeen,
      clicked: clicked.has(entry.id),
      impressions: entry.impressions,
      impressionsLimit: entry.impressionsLimit,
      clicks: entry.clicks,
      clicksLimit: entry.clicksLimit,
      impressionPrice: price?.impression ?? 0,
      clickPrice: price?.click ?? 0,
    });
  }
  return candidates;
}

/**
 * Records a client's click on an ad it was shown (spec §3.12). Idempotent.
 * @throws AppError NOT_FOUND (unknown campaign, then unknown client), FORBIDDEN (never shown).
 */
export async function recordClick(
  deps: Pick<Deps, 'db' | 'catalog'>,
  adId: string,
  clientIdInput: string,
): Promise<void> {
  const clientId = normalizeId(clientIdInput);
  const campaignId = normalizeId(adId);
  const outcome = await recordClickRow(deps.db, campaignId, clientId);
  if (outcome === 'recorded') deps.catalog.noteClick(campaignId);
  if (outcome === 'gone') throw notFound();
  if (outcome === 'no_impression') {
    if (!(await clientExists(deps.db, clientId))) throw notFound();
    throw forbidden();
  }
}
