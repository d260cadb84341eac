import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { openPgliteThread, type PgliteClient, type PgliteThreadClient } from './pglite-thread.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The Drizzle handle every repo takes first; a transaction has the same shape. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  db: Db;
  /**
   * Where statistics read from: a read replica when `DATABASE_READ_URL` is set (its pool runs
   * read-only transactions), otherwise `db`. Never used for anything a limit depends on.
   */
  readDb: Db;
  kind: DatabaseConfig['kind'];
  /**
   * One parameterised statement on the driver underneath Drizzle, for libraries that bring their
   * own SQL (ads-throttle). Domain code uses `db` and the repos instead.
   */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /**
   * A hot-path statement, prepared once per connection on PostgreSQL (no parse and plan per
   * request), or sent unnamed with `DATABASE_PREPARED_STATEMENTS=false`; PGlite runs it as a plain
   * query.
   */
  prepared<T>(statement: PreparedStatement, params: unknown[]): Promise<T[]>;
  /** Connection pool occupancy, PostgreSQL only (PGlite is one in-process connection). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /**
   * PostgreSQL only: the session settings this process asked for (`jit`, `statement_timeout`) that
   * the server does not apply, one message each; empty when all arrived. They travel as the
   * connection's startup `options`, which a pooler drops; behind one they must be set on the
   * database (the messages say how).
   */
  settingIssues?: () => Promise<string[]>;
  /** Applies pending migrations; safe when several processes start at once on one PostgreSQL. */
  migrate(): Promise<void>;
  /** Names of migrations known to the code but not applied to the database. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
};

/** A named SQL statement for `Database.prepared`; the name must be unique per statement text. */
export type PreparedStatement = { name: string; text: string };

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));
const migrationsSchema = 'drizzle';
const migrationsTable = '__drizzle_migrations';
const migrationOptions = { migrationsFolder, migrationsSchema, migrationsTable };
// Arbitrary constant shared by every AdNova process: serialises concurrent migrators.
const MIGRATION_LOCK_KEY = 815_204_977;

// NUMERIC and BIGINT arrive as strings from node-postgres; int8 counts fit in JS numbers (limits
// are capped at 2^53 - 1), money stays a string until it is serialised.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

/** Opens the configured database (PGlite on disk, PGlite in memory, or a PostgreSQL pool). */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.kind === 'postgres') {
    // Every request's database work is bounded (spec §8 #41): a statement running past the
    // timeout is cancelled by the server, and waiting for a pool connection ends in a 503.
    // A partitioned server never sends its cancellation, so the client gives up a little later too.
    const statementTimeoutMs = config.statementTimeoutMs ?? 30_000;
    const statementTimeout = `-c statement_timeout=${statementTimeoutMs}`;
    // The session settings ride on the startup packet, so no statement has to set them. PgBouncer
    // refuses that `options` parameter unless its `ignore_startup_parameters` lists it, and then
    // drops it: behind a pooler the same settings come from `ALTER DATABASE … SET` (README,
    // "Beyond one machine"), which every new server session applies, replicas included.
    // `settingIssues` reports what did not arrive. (A `SET` after connecting would land on
    // whichever server connection a transaction pooler picks, and stay there for other clients.)
    const settings = { jit: 'off', statement_timeout: String(statementTimeoutMs) };
    const connectionTimeoutMillis = config.connectTimeoutMs ?? 10_000;
    const clientBounds = {
      connectionTimeoutMillis,
      keepAlive: true,
      ...(statementTimeoutMs > 0 && { query_timeout: statementTimeoutMs + 5000 }),
    };
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize,
      ...clientBounds,
      // JIT compilation pays off for long analytical queries, never for these short OLTP ones: with
      // rough statistics (fresh tables) it added ~50 ms to a 1 ms ad-selection query.
      options: `-c jit=${settings.jit} ${statementTimeout}`,
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    const readPool = config.readUrl
      ? new pg.Pool({
          connectionString: config.readUrl,
          max: config.poolSize,
          ...clientBounds,
          options: `-c jit=off ${statementTimeout} -c default_transaction_read_only=on`,
        })
      : undefined;
    readPool?.on('error', () => {});
    return {
      db,
      readDb: readPool ? (drizzleNodePg(readPool, { schema }) as unknown as Db) : db,
      kind: config.kind,
      query: (text, params) => pool.query(text, params),
      // Without a name node-postgres sends Parse, Bind and Execute together as the unnamed
      // statement, which a transaction pooler forwards to one server connection as a unit.
      prepared:
        config.preparedStatements === false
          ? async <T>(statement: PreparedStatement, values: unknown[]) =>
              (await pool.query(statement.text, values)).rows as T[]
          : async <T>(statement: PreparedStatement, values: unknown[]) =>
              (await pool.query({ name: statement.name, text: statement.text, values })).rows as T[],
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      async settingIssues() {
        const found = await pool.query<{ name: keyof typeof settings; setting: string }>(
          'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
          [Object.keys(settings)],
        );
        const database = decodeURIComponent(new URL(config.url).pathname.slice(1)) || '<database>';
        return found.rows
          .filter((row) => row.setting !== settings[row.name])
          .map(
            (row) =>
              `PostgreSQL runs with ${row.name}=${row.setting}, not ${settings[row.name]}: the connection's startup options did not arrive (a pooler drops them). Set it on the database: ALTER DATABASE ${database} SET ${row.name} = ${settings[row.name]}`,
          );
      },
      async migrate() {
        // A client of its own on DATABASE_MIGRATE_URL: the advisory lock below belongs to a
        // session, which a transaction-mode pooler does not keep between statements (the lock
        // would be taken on one server connection and released, or not, on another).
        const client = new pg.Client({
          connectionString: config.migrateUrl ?? config.url,
          connectionTimeoutMillis,
          // A migration may rewrite a large table: the per-statement bound is for requests.
          options: '-c statement_timeout=0',
        });
        client.on('error', () => {});
        await client.connect();
        try {
          await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
          try {
            await migrateNodePg(drizzleNodePg(client, { schema }), migrationOptions);
          } finally {
            await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
          }
        } finally {
          await client.end();
        }
      },
      pendingMigrations: () => pendingMigrations(db),
      async close() {
        await Promise.all([pool.end(), readPool?.end()]);
      },
    };
  }

  const dataDir = config.kind === 'pglite' ? config.dataDir : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // On its own thread by default, so SQL never runs on the event loop (see pglite-thread.ts).
  let client: PgliteClient;
  let thread: PgliteThreadClient | undefined;
  if (config.thread === false) {
    const inline = new PGlite(dataDir);
    await inline.waitReady;
    client = inline;
  } else {
    thread = await openPgliteThread(dataDir);
    client = thread;
  }
  // PGlite already returns int8 as a number and NUMERIC as a string, like node-postgres above.
  const pgliteDb = drizzlePglite(client as PGlite, { schema });
  const db = pgliteDb as unknown as Db;
  return {
    db,
    readDb: db,
    kind: config.kind,
    query: (text, params) => client.query(text, params),
    prepared: async <T>(statement: PreparedStatement, params: unknown[]) =>
      (await client.query<T>(statement.text, params)).rows,
    // One connection: no other migrator can race, so no lock is needed.
    async migrate() {
      await migratePglite(pgliteDb, migrationOptions);
      // Opening and migrating left garbage on the thread worth a few hundred MB (see the worker).
      await thread?.collectGarbage();
    },
    pendingMigrations: () => pendingMigrations(db),
    close: () => client.close(),
  };
}

type Journal = { entries: { tag: string; when: number }[] };

function readJournal(): Journal {
  return JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as Journal;
}

async function pendingMigrations(db: Db): Promise<string[]> {
  const journal = readJournal();
  let applied: number[] = [];
  try {
    const result = await rows<{ created_at: string | number }>(
      db,
      sql`SELECT created_at FROM ${sql.identifier(migrationsSchema)}.${sql.identifier(migrationsTable)}`,
    );
    applied = result.map((r) => Number(r.created_at));
  } catch {
    applied = [];
  }
  const done = new Set(applied);
  return journal.entries.filter((e) => !done.has(e.when)).map((e) => e.tag);
}

/** Runs raw SQL and returns its rows; the one place that knows both drivers' result shapes. */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
