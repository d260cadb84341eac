import { mapLimited } from '@adnova/core/shared/concurrency';
import type { LoadProgress, Policy } from './policy.ts';
import type { SimulationWorkload } from './simulation-workload.ts';

/** Parallel `POST /ml-scores` while loading: enough to hide latency, few enough not to swamp a dev server. */
const SCORE_CONCURRENCY = 16;
const CLIENT_CHUNK = 500;

/**
 * The engine behind a running server, over its public API; `url` may list several processes of
 * one deployment, comma-separated, and requests then take turns among them (loading goes to the
 * first). The server should be fresh
 * (`DATABASE_URL=memory://`) with `ADS_THROTTLE_ENABLED=false`: earlier campaigns would compete,
 * and throttled 404s would count as unfilled requests. The server's clock may already be past
 * day 0, so every simulated day is offset by the `current_date` read at start.
 */
export async function createAdnovaHttpPolicy(
  w: SimulationWorkload,
  url: string,
  onProgress?: LoadProgress,
): Promise<Policy> {
  const bases = url.split(',').map((u) => u.trim().replace(/\/+$/, ''));
  let turn = 0;
  type Reply = { status: number; headers: Headers; body: unknown };
  // Bodies are always read, so keep-alive connections go back to the pool at once.
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    allow404 = false,
    base = bases[0],
  ): Promise<Reply> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400 && !(allow404 && res.status === 404))
      throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
  };

  const offset = ((await call('GET', '/time')).body as { current_date: number }).current_date;
  const total = w.advertisers.length * 2 + w.clients.length + w.campaigns.length + w.mlScores.length;
  let done = 0;
  const step = (n: number) => {
    done += n;
    onProgress?.(done, total);
  };

  await call('POST', '/advertisers/bulk', w.advertisers);
  step(w.advertisers.length);
  for (const a of w.advertisers) {
    const res = await call('GET', `/advertisers/${a.advertiser_id}/campaigns?size=0`);
    if (Number(res.headers.get('x-total-count') ?? 0) > 0)
      throw new Error(
        `${bases[0]} already has campaigns for this workload's advertisers; start a fresh server (DATABASE_URL=memory://)`,
      );
    step(1);
  }
  for (let i = 0; i < w.clients.length; i += CLIENT_CHUNK) {
    const chunk = w.clients.slice(i, i + CLIENT_CHUNK);
    await call('POST', '/clients/bulk', chunk);
    step(chunk.length);
  }
  // One by one, in order: creation order is the engine's final tie-break, as for the reference.
  const ids: string[] = [];
  for (const c of w.campaigns) {
    const created = await call('POST', `/advertisers/${c.advertiser_id}/campaigns`, {
      ...c.campaign,
      start_date: c.campaign.start_date + offset,
      end_date: c.campaign.end_date + offset,
    });
    ids.push((created.body as { campaign_id: string }).campaign_id);
    step(1);
  }
  await mapLimited(w.mlScores, SCORE_CONCURRENCY, async (score) => {
    await call('POST', '/ml-scores', score);
    step(1);
  });
  const byId = new Map(ids.map((id, i) => [id, i]));

  return {
    name: 'adnova-http',
    async serve(client) {
      const next = bases[turn++ % bases.length];
      const res = await call(
        'GET',
        `/ads?client_id=${w.clients[client]?.client_id ?? ''}`,
        undefined,
        true,
        next,
      );
      if (res.status === 404) return null;
      const { ad_id } = res.body as { ad_id: string };
      const index = byId.get(ad_id);
      if (index === undefined) throw new Error(`the server served an unknown campaign ${ad_id}`);
      return index;
    },
    async click(campaign, client) {
      await call(
        'POST',
        `/ads/${ids[campaign] ?? ''}/click`,
        { client_id: w.clients[client]?.client_id },
        false,
        bases[turn++ % bases.length],
      );
    },
    async advanceDay(day) {
      await call('POST', '/time/advance', { current_date: offset + day });
    },
    async close() {},
  };
}
