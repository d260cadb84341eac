// The PGlite worker thread (pglite-thread.ts): owns the one embedded database and runs what the
// main thread sends, in arrival order through PGlite's own queue. Plain JavaScript: it only needs
// PGlite, so it starts without a TypeScript loader.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

/** @type {PGlite} */
let db;
/** Open transactions by id: their PGlite handle and how to end them. */
const transactions = new Map();

/** Identity parsers for the OIDs the caller wants raw (Drizzle keeps dates and numerics as text). */
function options(raw) {
  if (!raw) return undefined;
  const { rawTypes, ...rest } = raw;
  if (!rawTypes) return rest;
  return { ...rest, parsers: Object.fromEntries(rawTypes.map((oid) => [oid, (value) => value])) };
}

/** An error as data: message, name and every own field PostgreSQL reports (code, detail, …). */
function errorData(error) {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {} };
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function') continue;
    try {
      structuredClone(value);
      fields[key] = value;
    } catch {
      fields[key] = String(value);
    }
  }
  return { message: error.message, name: error.name, fields };
}

function target(tx) {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.handle;
}

async function run(message) {
  switch (message.op) {
    case 'query':
      return target(message.tx).query(message.sql, message.params, options(message.options));
    case 'exec':
      return target(message.tx).exec(message.sql, options(message.options));
    case 'begin': {
      // PGlite runs the callback holding its lock; the transaction stays open until the main
      // thread says commit or rollback.
      const open = {};
      const ended = new Promise((resolve) => {
        open.end = resolve;
      });
      const begun = new Promise((resolve, reject) => {
        open.done = db
          .transaction(async (handle) => {
            open.handle = handle;
            transactions.set(message.tx, open);
            resolve();
            if ((await ended) === 'rollback') await handle.rollback();
          })
          .finally(() => transactions.delete(message.tx));
        // A BEGIN that fails never runs the callback; commit and rollback await `done` themselves.
        open.done.catch(reject);
      });
      await begun;
      return undefined;
    }
    case 'commit':
    case 'rollback': {
      const open = transactions.get(message.tx);
      if (!open) throw new Error(`transaction ${message.tx} is not open`);
      open.end(message.op);
      await open.done;
      return undefined;
    }
    case 'collect':
      // Opening PGlite (initdb on a fresh data directory) and migrating leave a few hundred MB of
      // garbage, WebAssembly memory included, that only a full collection returns, and this
      // thread allocates too little JavaScript for V8 to run one soon (measured: resident memory
      // of an idle embedded server 970 MB before, 650 MB after).
      collectGarbage();
      return undefined;
    case 'close':
      await db.close();
      return undefined;
    default:
      throw new Error(`unknown operation ${message.op}`);
  }
}

try {
  db = new PGlite(workerData.dataDir);
  await db.waitReady;
} catch (error) {
  parentPort.postMessage({ ready: false, error: errorData(error) });
  process.exit(1);
}
parentPort.on('message', (message) => {
  run(message).then(
    (result) => parentPort.postMessage({ id: message.id, result }),
    (error) => parentPort.postMessage({ id: message.id, error: errorData(error) }),
  );
});
parentPort.postMessage({ ready: true });
