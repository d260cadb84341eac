import type { AdsDecision, HeaderBag } from '@adnova/ads-throttle';
import { mediaUrl } from '../campaigns/campaigns.ts';
import { clientExists } from '../clients/clients.repo.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { decimalToNumber } from '../shared/money.ts';
import { normalizeId } from '../shared/schema.ts';
import { type CandidateRow, findCandidateRows, recordClickRow, recordImpressionRow } from './ads.repo.ts';
import type { Ad } from './ads.schema.ts';
import { type Candidate, rankCandidates } from './select-ad.ts';

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
  deps: Pick<Deps, 'db' | 'config' | 'throttle'>,
  request: AdRequest,
): Promise<Ad> {
  const clientId = normalizeId(request.clientId);
  if (deps.config.throttle.enabled) {
    const decision = await deps.throttle.decide(
      { userId: clientId, remoteAddress: request.remoteAddress, headers: request.headers },
      { scope: request.scope ?? DEFAULT_AD_SCOPE },
    );
    if (!decision.show) throw throttled(decision);
  }
  return selectAd(deps, clientId);
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
async function selectAd(deps: Pick<Deps, 'db' | 'config'>, clientIdInput: string): Promise<Ad> {
  const clientId = normalizeId(clientIdInput);
  const rows = await findCandidateRows(deps.db, clientId);
  const first = rows[0];
  if (!first || first.id === null) throw notFound();
  const day = first.day;
  const overshoot = deps.config.ads.impressionsOvershoot;

  const byId = new Map<string, CandidateRow>();
  const candidates: Candidate[] = [];
  for (const row of rows) {
    if (row.id === null) continue;
    // Not seen and already at the cap: no new impression possible, so not a candidate.
    if (!row.seen && row.impressions_count >= Math.floor(row.impressions_limit * (1 + overshoot))) continue;
    byId.set(row.id, row);
    candidates.push({
      campaignId: row.id,
      advertiserId: row.advertiser_id,
      seq: row.seq,
      costPerImpression: decimalToNumber(row.cost_per_impression),
      costPerClick: decimalToNumber(row.cost_per_click),
      score: row.score,
      seen: row.seen,
      clicked: row.clicked,
    });
  }

  for (const candidate of rankCandidates(candidates)) {
    // Re-serving an ad the client has seen writes nothing (spec §8 #15); the caps were checked
    // by the same read. A new impression goes through the atomic check-and-record.
    if (!candidate.seen) {
      const outcome = await recordImpressionRow(deps.db, candidate.campaignId, clientId, day, overshoot);
      if (outcome !== 'recorded' && outcome !== 'seen') continue;
    }
    const row = byId.get(candidate.campaignId);
    if (!row) continue;
    return {
      ad_id: candidate.campaignId,
      ad_title: row.ad_title,
      ad_text: row.ad_text,
      advertiser_id: row.advertiser_id,
      ad_image: row.ad_image_key ? mediaUrl(deps.config, row.ad_image_key) : null,
    };
  }
  throw notFound();
}

/**
 * Records a client's click on an ad it was shown (spec §3.12). Idempotent.
 * @throws AppError NOT_FOUND (unknown campaign, then unknown client), FORBIDDEN (never shown).
 */
export async function recordClick(
  deps: Pick<Deps, 'db'>,
  adId: string,
  clientIdInput: string,
): Promise<void> {
  const clientId = normalizeId(clientIdInput);
  const outcome = await recordClickRow(deps.db, normalizeId(adId), clientId);
  if (outcome === 'gone') throw notFound();
  if (outcome === 'no_impression') {
    if (!(await clientExists(deps.db, clientId))) throw notFound();
    throw forbidden();
  }
}
