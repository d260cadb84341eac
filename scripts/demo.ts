// Loads a deterministic demo data set into a running AdNova through its public API.
// Usage: npm run demo [-- --url http://127.0.0.1:8080] [--seed 2025]
import { parseArgs } from 'node:util';
import { generateWorkload } from '@adnova/tools/workload/workload';
import cliProgress from 'cli-progress';

const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default: process.env.ADNOVA_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`,
    },
    seed: { type: 'string', default: '2025' },
  },
});
const base = (values.url ?? '').replace(/\/+$/, '');
const SIZE = { clients: 2000, advertisers: 20, campaigns: 100, mlScores: 10_000, days: 10 };

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res;
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

async function main(): Promise<void> {
  try {
    await call('GET', '/health?format=json');
  } catch (error) {
    console.error(
      `AdNova is not answering at ${base} (${(error as Error).message}). Start it with npm start.`,
    );
    process.exit(1);
  }
  const w = generateWorkload(SIZE, Number(values.seed));
  const today = ((await (await call('GET', '/time')).json()) as { current_date: number }).current_date;
  console.log(`Loading the demo data set into ${base} (current day ${today}; campaign dates start there)`);

  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} | {stage}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const total = w.advertisers.length + w.clients.length + w.campaigns.length + w.mlScores.length;
  bar.start(total, 0, { stage: 'advertisers' });

  await call('POST', '/advertisers/bulk', w.advertisers);
  bar.increment(w.advertisers.length);

  bar.update({ stage: 'clients' });
  for (let i = 0; i < w.clients.length; i += 500) {
    const chunk = w.clients.slice(i, i + 500);
    await call('POST', '/clients/bulk', chunk);
    bar.increment(chunk.length);
  }

  // Campaigns have server-made ids: an advertiser that already has campaigns is left alone, so a
  // second run does not duplicate them.
  bar.update({ stage: 'campaigns' });
  const existing = new Map<string, number>();
  for (const a of w.advertisers) {
    const res = await call('GET', `/advertisers/${a.advertiser_id}/campaigns?size=0`);
    existing.set(a.advertiser_id, Number(res.headers.get('x-total-count') ?? 0));
  }
  await pool(w.campaigns, 8, async ({ advertiser_id, campaign }) => {
    if ((existing.get(advertiser_id) ?? 0) === 0) {
      await call('POST', `/advertisers/${advertiser_id}/campaigns`, {
        ...campaign,
        start_date: campaign.start_date + today,
        end_date: campaign.end_date + today,
      });
    }
    bar.increment(1);
  });

  bar.update({ stage: 'ML scores' });
  await pool(w.mlScores, 16, async (score) => {
    await call('POST', '/ml-scores', score);
    bar.increment(1);
  });
  bar.update({ stage: 'done' });
  bar.stop();

  const sample = w.clients[0];
  console.log(
    `\nLoaded ${w.advertisers.length} advertisers, ${w.clients.length} clients, ${w.campaigns.length} campaigns, ${w.mlScores.length} ML scores.`,
  );
  if (sample) console.log(`Try: curl '${base}/ads?client_id=${sample.client_id}'`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
