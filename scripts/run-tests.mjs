#!/usr/bin/env node
// Runs every package's tests with node's test runner (through tsx, so TypeScript runs unbuilt).
// Usage: npm test [-- <path filter>...]
//
// Each test file runs as its own `node` process (TEST_CONCURRENCY at a time, default 2) with the
// spec reporter, and this script collects the results. It does not use `node --test`: Node 20's
// `--test` parent reads its children's results as TAP, and a failing assertion with a large value
// (a megabyte of HTML, say) made that parser spin at full CPU for half an hour instead of
// reporting the failure.
//
// Nothing may hang the run: every test has a timeout (test-defaults.mjs), every file one of
// TEST_FILE_TIMEOUT_MS (its process group is killed), a file whose tests are done exits even if a
// handle leaked (--test-force-exit), and the whole run stops after TEST_RUN_TIMEOUT_MINUTES.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = collect(join(root, 'packages'), [])
  .concat(collect(join(root, 'scripts'), []))
  .concat(collect(join(root, 'deploy'), []))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const backends = [
  `database=${process.env.DATABASE_URL ? 'postgres' : 'pglite (embedded)'}`,
  `redis=${process.env.REDIS_URL ? 'redis' : 'memory'}`,
];
const concurrency = Number(process.env.TEST_CONCURRENCY) || 2;
const fileTimeout = Number(process.env.TEST_FILE_TIMEOUT_MS) || 10 * 60_000;
const runMinutes = Number(process.env.TEST_RUN_TIMEOUT_MINUTES) || 25;
const verbose = process.env.TEST_VERBOSE === '1';
// A failing file's output is printed, but not megabytes of it.
const MAX_OUTPUT = 200_000;

console.log(`running ${files.length} test files, ${concurrency} at a time; ${backends.join(', ')}`);
const skippedWhat = [];
if (!process.env.DATABASE_URL)
  skippedWhat.push('PostgreSQL-only tests (set DATABASE_URL=postgres://… to run them)');
if (!process.env.REDIS_URL) skippedWhat.push('Redis tests (set REDIS_URL=redis://… to run them)');
if (process.env.DATABASE_URL && !existsSync('/usr/sbin/pgbouncer'))
  skippedWhat.push('PgBouncer tests (apt-get install pgbouncer: they need /usr/sbin/pgbouncer)');
if (!existsSync('/usr/bin/chromium'))
  skippedWhat.push('admin browser tests (apt-get install chromium: they need /usr/bin/chromium)');
for (const what of skippedWhat) console.warn(`\x1b[33m*** SKIPPING ${what} ***\x1b[0m`);

const [major, minor] = process.versions.node.split('.').map(Number);
const args = [
  '--import',
  'tsx',
  '--import',
  join(root, 'scripts/test-defaults.mjs'),
  '--conditions=source',
  '--test-reporter=spec',
  // Node ≥ 20.14: once its tests are done the file's process exits, leaked handles or not.
  ...(major > 20 || (major === 20 && minor >= 14) ? ['--test-force-exit'] : []),
];

const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failed = [];
const running = new Set();

/** The spec reporter's closing counts (`ℹ pass 12`). */
function counts(output) {
  const found = {};
  for (const [, name, n] of output.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
    found[name] = (found[name] ?? 0) + Number(n);
  }
  return found;
}

function clip(output) {
  if (output.length <= MAX_OUTPUT) return output;
  const half = MAX_OUTPUT / 2;
  return `${output.slice(0, half)}\n… ${output.length - MAX_OUTPUT} characters left out …\n${output.slice(-half)}`;
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...args, file], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout stops the servers a test started too.
      detached: true,
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, fileTimeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const found = counts(output);
      for (const key of Object.keys(totals)) totals[key] += found[key] ?? 0;
      const ok = code === 0 && !timedOut && (found.fail ?? 0) === 0;
      const summary = `${found.pass ?? 0} passed, ${found.fail ?? 0} failed, ${found.skipped ?? 0} skipped`;
      if (ok) {
        console.log(`\x1b[32m✔\x1b[0m ${file}: ${summary} (${seconds} s)`);
        // Skips are announced loudly, with their reasons; what a test reports with
        // `t.diagnostic('report: …')` (e.g. a failover's counts) is shown too.
        const shown = output.split('\n').filter((line) => line.includes('# SKIP') || /ℹ report: /.test(line));
        if (verbose) process.stdout.write(output);
        else if (shown.length > 0) console.log(shown.join('\n'));
      } else {
        const why = timedOut
          ? `stopped after ${fileTimeout / 1000} s (TEST_FILE_TIMEOUT_MS)`
          : `exit ${code ?? signal}`;
        failed.push(file);
        console.log(`\x1b[31m✖ ${file}: ${summary}, ${why} (${seconds} s)\x1b[0m`);
        process.stdout.write(`${clip(output)}\n`);
      }
      resolve();
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

const started = Date.now();
const watchdog = setTimeout(() => {
  console.error(
    `\x1b[31m*** npm test: stopped after ${runMinutes} minutes (TEST_RUN_TIMEOUT_MINUTES); still running: ${[...running].map((c) => c.spawnargs.at(-1)).join(', ')} ***\x1b[0m`,
  );
  for (const child of running) killGroup(child, 'SIGKILL');
  process.exit(1);
}, runMinutes * 60_000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child, signal);
    process.exit(1);
  });
}

// `*.solo.test.ts` files measure latency under attack: they run last, alone, so another test
// file's work on the same cores is not counted against their bounds.
const solo = files.filter((f) => f.endsWith('.solo.test.ts'));
const queue = files.filter((f) => !f.endsWith('.solo.test.ts'));
await Promise.all(
  Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runFile(file);
  }),
);
for (const file of solo) await runFile(file);
clearTimeout(watchdog);

const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${files.length} test files in ${seconds} s (${backends.join(', ')})`);
if (failed.length > 0) console.log(`\x1b[31mfailed files:\n  ${failed.join('\n  ')}\x1b[0m`);
for (const what of skippedWhat) console.warn(`\x1b[33m*** SKIPPED ${what} ***\x1b[0m`);
console.log(
  `tests: ${totals.pass} passed, ${totals.fail + totals.cancelled} failed, ${totals.skipped} skipped`,
);
process.exit(failed.length > 0 ? 1 : 0);
