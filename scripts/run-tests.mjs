#!/usr/bin/env node
// Runs every package's tests with node's test runner (through tsx, so TypeScript runs unbuilt).
// Node 20's --test does not expand globs, so the files are collected here.
// Usage: npm test [-- <path filter>...]
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
console.log(`running ${files.length} test files; ${backends.join(', ')}`);
const skipped = [];
if (!process.env.DATABASE_URL)
  skipped.push('PostgreSQL-only tests (set DATABASE_URL=postgres://… to run them)');
if (!process.env.REDIS_URL) skipped.push('Redis tests (set REDIS_URL=redis://… to run them)');
if (!existsSync('/usr/bin/chromium'))
  skipped.push('admin browser tests (apt-get install chromium: they need /usr/bin/chromium)');
for (const what of skipped) console.warn(`\x1b[33m*** SKIPPING ${what} ***\x1b[0m`);

// Nothing may hang the run (a failing test must fail, not spin): every test has a timeout
// (test-defaults.mjs), every file one of TEST_FILE_TIMEOUT_MS, a file whose tests are done exits
// even if a handle leaked, and the whole run is stopped after TEST_RUN_TIMEOUT_MINUTES.
const fileTimeout = Number(process.env.TEST_FILE_TIMEOUT_MS) || 10 * 60_000;
const runMinutes = Number(process.env.TEST_RUN_TIMEOUT_MINUTES) || 25;
const args = [
  '--import',
  'tsx',
  '--import',
  join(root, 'scripts/test-defaults.mjs'),
  '--conditions=source',
  '--test',
  '--test-concurrency=2',
  `--test-timeout=${fileTimeout}`,
];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 20 || (major === 20 && minor >= 14)) args.push('--test-force-exit');
const started = Date.now();
const child = spawn(process.execPath, [...args, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
  // Its own process group, so the watchdog can stop every test process at once.
  detached: true,
});
const watchdog = setTimeout(() => {
  console.error(
    `\x1b[31m*** npm test: stopped after ${runMinutes} minutes (TEST_RUN_TIMEOUT_MINUTES); a test file hung ***\x1b[0m`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  process.exit(1);
}, runMinutes * 60_000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  });
}
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`npm test: ${files.length} files in ${seconds} s (${backends.join(', ')})`);
  process.exit(code ?? (signal ? 1 : 0));
});
