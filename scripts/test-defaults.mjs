// Preloaded into every test process by run-tests.mjs: each test (`test`/`it`) that sets no timeout
// of its own gets TEST_TIMEOUT_MS (default 120 s), so a hung test fails instead of holding the run.
// Node 20's --test-timeout bounds whole files only. Suites (`describe`) keep theirs: a suite's
// timeout is the sum of its tests.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const nodeTest = require('node:test');
const timeout = Number(process.env.TEST_TIMEOUT_MS) || 120_000;

function withDefaultTimeout(fn) {
  const wrapped = (name, options, body) => {
    if (typeof name === 'function') return fn({ timeout }, name);
    if (typeof name === 'object' && name !== null) return fn({ timeout, ...name }, options);
    if (typeof options === 'function') return fn(name, { timeout }, options);
    return fn(name, { timeout, ...(options ?? {}) }, body);
  };
  for (const key of ['skip', 'todo', 'only']) if (fn[key]) wrapped[key] = fn[key];
  return wrapped;
}

nodeTest.test = withDefaultTimeout(nodeTest.test);
nodeTest.it = withDefaultTimeout(nodeTest.it);
syncBuiltinESMExports();
