// Replays one seeded workload against the seed's reference algorithm and AdNova's engine, and
// prints revenue, fill, relevance and limit compliance per policy, under the workload's revenue
// ceiling and hindsight bound (two LPs; --no-ceiling skips them).
// Usage: npm run simulate [-- --seed 1 --size small|default|large --policies reference,adnova,adnova-greedy
//                              --clients N --advertisers N --campaigns N --days N --requests N
//                              --http http://127.0.0.1:8080 --no-ceiling --json]
// For machine output without npm's banner: npm run -s simulate -- --json
// With --http, start the server fresh and unthrottled:
//   DATABASE_URL=memory:// ADS_THROTTLE_ENABLED=false npm start

import { parseArgs } from 'node:util';
import { formatReport } from '@adnova/tools/simulator/report';
import {
  generateSimulationWorkload,
  SIMULATION_SIZES,
  type SimulationSize,
} from '@adnova/tools/simulator/simulation-workload';
import { isPolicyName, POLICY_NAMES, type PolicyName, simulate } from '@adnova/tools/simulator/simulator';
import cliProgress from 'cli-progress';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    size: { type: 'string', default: 'default' },
    clients: { type: 'string' },
    advertisers: { type: 'string' },
    campaigns: { type: 'string' },
    days: { type: 'string' },
    requests: { type: 'string' },
    policies: { type: 'string' },
    http: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

const sizeName = values.size ?? 'default';
if (!(sizeName in SIMULATION_SIZES))
  fail(`--size must be one of ${Object.keys(SIMULATION_SIZES).join(', ')}, got "${sizeName}"`);
const preset: SimulationSize = SIMULATION_SIZES[sizeName as keyof typeof SIMULATION_SIZES];
const size: SimulationSize = {
  ...preset,
  clients: positiveInt('clients', values.clients, preset.clients),
  advertisers: positiveInt('advertisers', values.advertisers, preset.advertisers),
  campaigns: positiveInt('campaigns', values.campaigns, preset.campaigns),
  days: positiveInt('days', values.days, preset.days),
  requests: positiveInt('requests', values.requests, preset.requests),
};
const seed = Number(values.seed);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got "${values.seed}"`);

const requested = values.policies?.split(',').map((p) => p.trim()) ?? [
  'reference',
  'adnova',
  ...(values.http ? ['adnova-http'] : []),
];
const policies: PolicyName[] = requested.map((p) =>
  isPolicyName(p) ? p : fail(`unknown policy "${p}" (${POLICY_NAMES.join(', ')})`),
);
if (policies.includes('adnova-http') && !values.http) fail('the adnova-http policy needs --http URL');

async function main(): Promise<void> {
  const workload = generateSimulationWorkload(size, seed);
  // cli-progress writes to stderr and stays silent when stderr is not a terminal.
  const bar = new cliProgress.SingleBar(
    { format: ' {policy} {phase} {bar} {percentage}% | {value}/{total}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  const started = performance.now();
  const result = await simulate(workload, {
    policies,
    httpUrl: values.http,
    ceiling: !values['no-ceiling'],
    onProgress: ({ policy, phase, done, total }) => {
      // The LPs block the event loop while they solve, so a bar would not move: one line per step.
      if (phase === 'solve') {
        const step = ['expected ceiling', 'hindsight bound'][done];
        const elapsed = ((performance.now() - started) / 1000).toFixed(1);
        process.stderr.write(
          step ? `${policy}: solving the ${step} LP…\n` : `${policy}: done in ${elapsed} s\n`,
        );
        return;
      }
      const key = `${policy}:${phase}`;
      if (key !== current) {
        if (current !== '') bar.stop();
        current = key;
        bar.start(total, done, { policy: policy.padEnd(11), phase: phase.padEnd(4) });
      } else if (done === total || done % 100 === 0) {
        bar.update(done);
      }
    },
  });
  if (current !== '') bar.stop();
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else console.log(`\n${formatReport(result)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
