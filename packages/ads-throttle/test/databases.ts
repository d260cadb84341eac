import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { adsThrottleMigrations, adsThrottleTables } from '../src/migrations.ts';
import type { QueryFn } from '../src/throttle.repo.ts';

/** A migrated database for one test file, with a query counter and a reset between tests. */
export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** Counts every call, so tests can assert "0 DB queries". */
  query: QueryFn;
  /** The query function without counting, for test setup. */
  raw: QueryFn;
  /** Number of counted queries so far. */
  count(): number;
  /** Makes the next query throw (simulated outage) until `heal()`. */
  breakDown(): void;
  heal(): void;
  reset(): Promise<void>;
  close(): Promise<void>;
}

function wrap(name: TestDatabase['name'], raw: QueryFn, close: () => Promise<void>): TestDatabase {
  let calls = 0;
  let broken = false;
  return {
    name,
    raw,
    query: async (text, params) => {
      calls += 1;
      if (broken) throw new Error('simulated database outage');
      return raw(text, params);
    },
    count: () => calls,
    breakDown: () => {
      broken = true;
    },
    heal: () => {
      broken = false;
    },
    async reset() {
      broken = false;
      await raw(`TRUNCATE ${adsThrottleTables.join(', ')} RESTART IDENTITY`);
    },
    close,
  };
}

async function migrate(raw: QueryFn): Promise<void> {
  for (const migration of adsThrottleMigrations) {
    for (const statement of migration.statements) await raw(statement);
  }
}

/** An in-memory PGlite with the package's schema. */
export async function openPglite(): Promise<TestDatabase> {
  const db = new PGlite();
  const raw: QueryFn = (text, params) => db.query(text, params);
  await migrate(raw);
  return wrap('pglite', raw, () => db.close());
}

/** Set DATABASE_URL to run the repository suite on real PostgreSQL too. */
export const DATABASE_URL = process.env.DATABASE_URL ?? '';

/** Real PostgreSQL in a schema of its own (dropped on close), or undefined without DATABASE_URL. */
export async function openPostgres(): Promise<TestDatabase | undefined> {
  if (!DATABASE_URL) return undefined;
  const schema = `ads_throttle_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, options: `-c search_path=${schema}` });
  const raw: QueryFn = (text, params) => pool.query(text, params);
  await migrate(raw);
  return wrap('postgres', raw, async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });
}
