import type { AdsDecision, HeaderBag } from '@adnova/ads-throttle';
import { mediaUrl } from '../campaigns/campaigns.ts';
import { clientExists } from '../clients/clients.repo.ts';
import type { Deps } from '../deps.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import { normalizeId } from '../shared/schema.ts';
import { recordClickRow, type ServeRequest } from './ads.repo.ts';
import type { Ad } from './ads.schema.ts';
import { findClientProfile } from './catalog.repo.ts';
import { type CatalogEntry, matchingEntries } from './catalog.ts';
import { type ClientProfile, toClientProfile } from './client-profiles.ts';
import type { ShadowPrices } from './planner.ts';
import { type ClickEstimate, stateValue } from './select-ad.ts';

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
   * from forwarding headers (ads-throttle README, "Privacy").
   */
  remoteAddress: string | undefined;
  /** The request headers: the User-Agent, and forwarding headers for the rule above. */
  headers: HeaderBag;
};

/**
 * How many of a request's best candidates go to the serving statement. The rest are only sent
 * when none of these can be served above what the best of the rest could be worth (the
 * statement answers 'more'), which the usual request never needs.
 */
export const SERVE_BATCH = 24;

/**
 * Statements one request may send. After `STRICT_ATTEMPTS` refusals (data changing under the
 * request faster than it re-reads) the statement is sent without the checks and takes the
 * candidates as ranked with what was just read; caps are checked as always. That leaves a 'more'.
 */
const STRICT_ATTEMPTS = 2;
const MAX_SERVE_ATTEMPTS = STRICT_ATTEMPTS + 2;

type ServeDeps = Pick<
  Deps,
  | 'db'
  | 'database'
  | 'serving'
  | 'config'
  | 'catalog'
  | 'clickModel'
  | 'prices'
  | 'traffic'
  | 'metrics'
  | 'profiles'
>;

/**
 * Serves an ad for one request: asks the ads throttle first (one decision per request, counted
 * per client, IP and User-Agent in the scope), then selects and records as `selectAd` does. A
 * client whose profile is not cached is read while the throttle decides.
 * @throws AppError THROTTLED when the throttle refuses the viewer (no impression recorded);
 * NOT_FOUND for an unknown client or when nothing is eligible.
 */
export async function serveAd(deps: ServeDeps & Pick<Deps, 'throttle'>, request: AdRequest): Promise<Ad> {
  const clientId = normalizeId(request.clientId);
  const reading = deps.profiles.get(clientId) ? undefined : readProfile(deps, clientId);
  // The read runs while the throttle decides and is awaited only afterwards (or never, for a
  // refused viewer): marked handled now, so a read failing first is this request's error below
  // and not an unhandled rejection, which ends the process.
  reading?.catch(() => {});
  if (deps.config.throttle.enabled) {
    const decision: AdsDecision = await deps.throttle.decide(
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
    if (reading && !(await reading)) return unknownClient(deps);
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

function unknownClient(deps: Pick<Deps, 'metrics'>): never {
  deps.metrics.adRequests.inc({ outcome: 'unknown_client' });
  throw notFound();
}

/** Reads a client's profile (and the day and versions) into the cache; false: no such client. */
async function readProfile(deps: Pick<Deps, 'database' | 'profiles'>, clientId: string): Promise<boolean> {
  const row = await findClientProfile(deps.database, clientId);
  if (!row) {
    deps.profiles.delete(clientId);
    return false;
  }
  deps.profiles.set(clientId, toClientProfile(row));
  deps.profiles.noteView({
    day: row.day,
    catalogVersion: Number(row.catalog_version),
    planVersion: Number(row.plan_version),
  });
  return true;
}

/**
 * Picks the best servable ad for a client and records its impression atomically (spec §3.11,
 * §5.4), in one database round trip when the client's profile is cached: the process ranks every
 * eligible campaign with the profile, the cached catalog, the click estimate and the plan's
 * prices, and `adnova_serve_ad` takes the best one still servable under the caps for the state
 * the client is in (never seen, seen, clicked) and records it. The impression is committed before
 * this returns. No throttle: callers go through `serveAd`.
 * @throws AppError NOT_FOUND for an unknown client or when nothing is eligible.
 */
async function selectAd(deps: ServeDeps, clientId: string): Promise<Ad> {
  let all = false;
  for (let attempt = 0; attempt < MAX_SERVE_ATTEMPTS; attempt++) {
    let profile = deps.profiles.get(clientId);
    let view = deps.profiles.view();
    if (!profile || !view) {
      if (!(await readProfile(deps, clientId))) return unknownClient(deps);
      profile = deps.profiles.get(clientId);
      view = deps.profiles.view();
      if (!profile || !view) throw new Error('client profile cache refused a profile');
    }
    if (attempt === 0) deps.traffic.note(view.day, clientId);
    const entries = await deps.catalog.get(deps.db, view.catalogVersion, view.day);
    // In the background: the counters only rank (every cap is decided in the database), and the
    // request that happened to make the re-read waited a query for them.
    deps.catalog.syncCounters(deps.db).catch(() => {});
    const clickEstimate = await deps.clickModel.get(deps.db);
    const prices = await deps.prices.get(deps.db, view.planVersion);
    // Even with no candidate the statement runs: it checks the day and catalog were current.
    const batch = rankForServing(entries, profile, prices, clickEstimate, all ? Infinity : SERVE_BATCH);

    const strict = attempt < STRICT_ATTEMPTS;
    const result = await deps.serving.serve({
      clientId,
      day: view.day,
      catalogVersion: strict ? view.catalogVersion : null,
      profileVersion: profile.version,
      seenCount: strict ? profile.seen.size : null,
      clickedCount: strict ? profile.clicked.size : null,
      overshoot: deps.config.ads.impressionsOvershoot,
      campaigns: batch.campaigns,
      seen: batch.seen,
      clicked: batch.clicked,
      more: batch.more,
    });
    // Counts differed but a candidate whose state had not changed was served: 'served_resync'.
    const moved = result.seen !== null && result.seen !== undefined;
    deps.metrics.serveStatements.inc({
      outcome: moved && result.outcome === 'served' ? 'served_resync' : result.outcome,
    });
    // Another process (or request) showed or clicked something for this client meanwhile.
    if (moved) deps.profiles.resync(clientId, result.seen ?? [], result.clicked ?? []);
    deps.profiles.noteView({
      day: result.today,
      catalogVersion: Number(result.catalog),
      planVersion: Number(result.plan),
    });
    for (const [i, id] of (result.closed ?? []).entries()) {
      deps.metrics.impressionRecords.inc({ outcome: result.closed_why?.[i] ?? 'gone' });
      deps.catalog.markFull(id, result.closed_why?.[i] === 'clicks_cap');
    }
    switch (result.outcome) {
      case 'served': {
        const entry = batch.entries.get(result.served ?? '');
        if (!entry) throw new Error(`adnova_serve_ad served a campaign it was not sent: ${result.served}`);
        deps.profiles.noteSeen(clientId, entry.id);
        if (result.recorded) {
          deps.catalog.noteImpression(entry.id);
          deps.metrics.impressionRecords.inc({ outcome: 'recorded' });
        }
        deps.metrics.adRequests.inc({ outcome: 'served' });
        return {
          ad_id: entry.id,
          ...entry.ad,
          advertiser_id: entry.advertiserId,
          ad_image: entry.adImageKey ? mediaUrl(deps.config, entry.adImageKey) : null,
        };
      }
      case 'more':
        all = true;
        break;
      case 'resync':
        // None of the candidates whose state had not changed could be served: rank again.
        break;
      case 'busy':
        // Not expected (the queue sends a busy request alone, to wait for its lock): rank again.
        break;
      case 'stale':
        // Ranked with an outdated day, catalog or profile: read what changed and rank again.
        if (Number(result.profile) !== profile.version) deps.profiles.delete(clientId);
        break;
      case 'unknown_client':
        deps.profiles.delete(clientId);
        return unknownClient(deps);
      case 'none':
        deps.metrics.adRequests.inc({ outcome: 'no_fill' });
        throw notFound();
    }
  }
  throw new AppError('UNAVAILABLE', 'Serving did not settle; retry.', {
    headers: { 'Retry-After': '1' },
  });
}

/** One request's candidates for `adnova_serve_ad`, and the catalog entries they stand for. */
export type ServingBatch = Pick<ServeRequest, 'campaigns' | 'seen' | 'clicked' | 'more'> & {
  entries: Map<string, CatalogEntry>;
};

/**
 * Ranks the campaigns a client may be shown now for the serving statement, with what the process
 * knows of the client (profile, and the campaigns it has seen and clicked, which the statement
 * verifies): every campaign running today that matches its targeting (`matchingEntries`) and is servable in the
 * client's state with it — not full for a new impression, not at its clicks cap for a showing
 * again — valued by `candidateValue`. The `limit` best are sent best first (value, then ML score,
 * then creation order), with whether more were left out. Pure; the CPU part of selection (see
 * `bench/selection.ts`).
 */
export function rankForServing(
  entries: readonly CatalogEntry[],
  client: Pick<ClientProfile, 'age' | 'gender' | 'location' | 'scores' | 'seen' | 'clicked'>,
  prices: ReadonlyMap<string, ShadowPrices>,
  clickEstimate: ClickEstimate,
  limit: number,
): ServingBatch {
  // The `limit` best, kept sorted best first while scanning. Most campaigns fall below the last
  // kept one: they cost a value and one comparison, and allocate nothing.
  const kept: Ranked[] = [];
  let more = false;
  for (const entry of matchingEntries(entries, client)) {
    const seen = client.seen.has(entry.id);
    if (seen ? entry.clicks >= entry.clicksLimit : entry.full) continue;
    const clicked = seen && client.clicked.has(entry.id);
    const score = client.scores.get(entry.advertiserId) ?? 0;
    const price = prices.get(entry.id);
    const value = stateValue(
      entry,
      price?.impression ?? 0,
      price?.click ?? 0,
      score,
      clickEstimate,
      seen,
      clicked,
    );
    if (kept.length === limit) {
      more = true;
      if (!rankedBefore(value, score, entry.seq, kept[limit - 1] as Ranked)) continue;
      kept.pop();
    }
    let i = kept.length;
    while (i > 0 && rankedBefore(value, score, entry.seq, kept[i - 1] as Ranked)) i--;
    kept.splice(i, 0, { entry, score, seen, clicked, value });
  }
  return {
    campaigns: kept.map((c) => c.entry.id),
    seen: kept.map((c) => c.seen),
    clicked: kept.map((c) => c.clicked),
    more,
    entries: new Map(kept.map((c) => [c.entry.id, c.entry])),
  };
}

type Ranked = { entry: CatalogEntry; score: number; seen: boolean; clicked: boolean; value: number };

/** Ranking order: higher value, then higher ML score, then earlier creation. */
const rankedBefore = (value: number, score: number, seq: number, b: Ranked): boolean =>
  value !== b.value ? value > b.value : score !== b.score ? score > b.score : seq < b.entry.seq;

/**
 * Records a client's click on an ad it was shown (spec §3.12). Idempotent.
 * @throws AppError NOT_FOUND (unknown campaign, then unknown client), FORBIDDEN (never shown).
 */
export async function recordClick(
  deps: Pick<Deps, 'db' | 'catalog' | 'profiles'>,
  adId: string,
  clientIdInput: string,
): Promise<void> {
  const clientId = normalizeId(clientIdInput);
  const campaignId = normalizeId(adId);
  const outcome = await recordClickRow(deps.db, campaignId, clientId);
  if (outcome === 'recorded') deps.catalog.noteClick(campaignId);
  // What this process knows of the client's clicks follows (see `ClientProfile.clicked`).
  if (outcome === 'recorded' || outcome === 'duplicate') deps.profiles.noteClicked(clientId, campaignId);
  if (outcome === 'gone') throw notFound();
  if (outcome === 'no_impression') {
    if (!(await clientExists(deps.db, clientId))) throw notFound();
    throw forbidden();
  }
}
