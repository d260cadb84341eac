import { randomUUID } from 'node:crypto';

/**
 * The two public-request attacks of issue 12, run against a server process while `/livez` is
 * probed: what a user waits for a trivial answer during the attack, and how much memory the
 * server takes. Shared by `attacks.solo.test.ts` (assertions) and `npm run bench -- --attack` (numbers).
 */
export type AttackReport = {
  name: string;
  /** The attack's own requests: HTTP status → count. */
  statuses: Record<string, number>;
  /** Wall time of the attack, milliseconds. */
  ms: number;
  /** `/livez` probes during the attack: how many, the slowest and the 99th percentile, ms. */
  probes: number;
  livezMaxMs: number;
  livezP99Ms: number;
  /** Largest resident memory of the server seen during the attack (from its /metrics), bytes. */
  peakRssBytes: number;
  /** Largest response body of the attack, bytes. */
  largestResponseBytes: number;
};

const PROBE_INTERVAL_MS = 50;

async function rssBytes(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes '));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Probes `/livez` and the server's memory until `work` settles. */
async function whileProbing(
  base: string,
  name: string,
  work: () => Promise<{ status: number; bytes: number }[]>,
): Promise<AttackReport> {
  const latencies: number[] = [];
  let peakRssBytes = await rssBytes(base);
  let done = false;
  const probing = (async () => {
    while (!done) {
      const started = performance.now();
      // A probe that never answers counts as the whole wait.
      await fetch(`${base}/livez`, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  })();
  const sampling = (async () => {
    while (!done) {
      peakRssBytes = Math.max(peakRssBytes, await rssBytes(base).catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const started = performance.now();
  let answers: { status: number; bytes: number }[];
  try {
    answers = await work();
  } finally {
    done = true;
    await Promise.all([probing, sampling]);
  }
  const ms = performance.now() - started;
  peakRssBytes = Math.max(peakRssBytes, await rssBytes(base));
  const sorted = [...latencies].sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  return {
    name,
    statuses,
    ms,
    probes: sorted.length,
    livezMaxMs: sorted.at(-1) ?? 0,
    livezP99Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    peakRssBytes,
    largestResponseBytes: Math.max(0, ...answers.map((a) => a.bytes)),
  };
}

async function send(url: string, init?: RequestInit): Promise<{ status: number; bytes: number }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
  const body = await res.arrayBuffer();
  return { status: res.status, bytes: body.byteLength };
}

/** One JSON body of `count` invalid clients (the 200,000 ≈ 12.8 MB). */
export function invalidClientsBody(count: number): string {
  const items = Array.from({ length: count }, (_, i) => ({
    client_id: `bad-${i}`,
    login: '',
    age: -1,
    location: '',
    gender: 'X',
  }));
  return JSON.stringify(items);
}

/**
 * Finding 2: `parallel` invalid bulk bodies of `count` clients at once, `rounds` times. Every
 * answer must be a small 400.
 */
export function bulkAttack(base: string, { count = 200_000, parallel = 3, rounds = 2 } = {}) {
  const body = invalidClientsBody(count);
  return whileProbing(
    base,
    `${parallel} × ${(body.length / 1e6).toFixed(1)} MB invalid bulk bodies × ${rounds}`,
    async () => {
      const answers: { status: number; bytes: number }[] = [];
      for (let round = 0; round < rounds; round++) {
        answers.push(
          ...(await Promise.all(
            Array.from({ length: parallel }, () =>
              send(`${base}/clients/bulk`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body,
              }),
            ),
          )),
        );
      }
      return answers;
    },
  );
}

/**
 * Finding 1: the clock moved to day 2^31 − 1, then daily statistics of an advertiser and its
 * campaign, `parallel` at once. Every answer must be a bounded 200.
 */
export async function timeTravelAttack(base: string, { parallel = 3 } = {}) {
  const json = { 'content-type': 'application/json' };
  const advertiser = randomUUID();
  await send(`${base}/advertisers/bulk`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify([{ advertiser_id: advertiser, name: 'Attacked' }]),
  });
  const campaign = (await (
    await fetch(`${base}/advertisers/${advertiser}/campaigns`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        impressions_limit: 10,
        clicks_limit: 1,
        cost_per_impression: 1,
        cost_per_click: 1,
        ad_title: 't',
        ad_text: 'x',
        start_date: 0,
        end_date: 2_147_483_647,
      }),
    })
  ).json()) as { campaign_id: string };
  return whileProbing(base, 'day 2^31 − 1, then daily statistics', async () => {
    const advanced = await send(`${base}/time/advance`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ current_date: 2_147_483_647 }),
    });
    const urls = [
      `${base}/stats/advertisers/${advertiser}/campaigns/daily`,
      `${base}/stats/advertisers/${advertiser}/daily`,
      `${base}/stats/campaigns/${campaign.campaign_id}/daily`,
    ];
    const reads = await Promise.all(
      Array.from({ length: parallel }, (_, i) => send(urls[i % urls.length] as string)),
    );
    return [advanced, ...reads];
  });
}

/** One line per report, for the bench and failing assertions. */
export function describeAttack(r: AttackReport): string {
  return `${r.name}: ${JSON.stringify(r.statuses)} in ${(r.ms / 1000).toFixed(1)} s; /livez max ${r.livezMaxMs.toFixed(0)} ms, p99 ${r.livezP99Ms.toFixed(0)} ms over ${r.probes} probes; peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB; largest answer ${r.largestResponseBytes} B`;
}
