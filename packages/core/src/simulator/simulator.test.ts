import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateSimulationWorkload } from './simulation-workload.ts';
import { simulate } from './simulator.ts';

test('end to end: the engine never goes over a limit nor breaks targeting; the reference is the baseline', async () => {
  const w = generateSimulationWorkload(
    { clients: 120, advertisers: 6, campaigns: 16, days: 3, requests: 900, scoreDensity: 0.4 },
    5,
  );
  const progress: string[] = [];
  const { results } = await simulate(w, {
    policies: ['reference', 'adnova'],
    onProgress: ({ policy, phase }) => progress.push(`${policy}:${phase}`),
  });
  const [reference, adnova] = results;
  assert.ok(reference && adnova);
  assert.equal(reference.policy, 'reference');
  assert.equal(reference.revenueRatio, 1);
  assert.equal(reference.violations, 0);
  assert.ok(reference.revenue > 0 && reference.served > 0);
  assert.ok(reference.impressionsOverLimit + reference.clicksOverLimit > 0, 'limits bind in this world');
  assert.equal(adnova.requests, 900);
  assert.ok(adnova.served > 0);
  assert.equal(adnova.impressionsOverLimit, 0);
  assert.equal(adnova.clicksOverLimit, 0);
  assert.equal(adnova.violations, 0);
  assert.equal(adnova.revenueRatio, adnova.revenue / reference.revenue);
  assert.ok(progress.includes('adnova:load') && progress.includes('adnova:run'));
});

test('replays are deterministic: the same seed gives the same reference results', async () => {
  const size = { clients: 80, advertisers: 5, campaigns: 10, days: 2, requests: 400, scoreDensity: 0.5 };
  const run = async () => {
    const [m] = (await simulate(generateSimulationWorkload(size, 9), { policies: ['reference'] })).results;
    return m && { ...m, runMs: 0, loadMs: 0 };
  };
  assert.deepEqual(await run(), await run());
});
