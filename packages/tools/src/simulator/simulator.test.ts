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
  const { results, ceiling } = await simulate(w, {
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
  // The ceiling is computed once, first, and bounds what each policy earns within the limits.
  assert.ok(ceiling && progress[0] === 'ceiling:solve');
  assert.ok(ceiling.expected > 0 && ceiling.hindsight > 0 && ceiling.variables > 0 && ceiling.rows > 0);
  for (const m of results) {
    assert.equal(m.ceilingShare, m.revenueWithinLimits / ceiling.expected);
    assert.ok(m.revenueWithinLimits <= ceiling.hindsight + 1e-6);
  }
});

test('the ceiling can be skipped', async () => {
  const w = generateSimulationWorkload(
    { clients: 40, advertisers: 3, campaigns: 5, days: 2, requests: 200, scoreDensity: 0.5 },
    3,
  );
  const result = await simulate(w, { policies: ['reference'], ceiling: false });
  assert.equal(result.ceiling, null);
  assert.equal(result.results[0]?.ceilingShare, null);
});

test('replays are deterministic: the same seed gives the same reference results', async () => {
  const size = { clients: 80, advertisers: 5, campaigns: 10, days: 2, requests: 400, scoreDensity: 0.5 };
  const run = async () => {
    const [m] = (
      await simulate(generateSimulationWorkload(size, 9), { policies: ['reference'], ceiling: false })
    ).results;
    return m && { ...m, runMs: 0, loadMs: 0 };
  };
  assert.deepEqual(await run(), await run());
});
