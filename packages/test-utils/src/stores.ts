import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** Real PostgreSQL / Redis for the suites that can use them (CI sets both), else skipped loudly. */
export const DATABASE_URL = process.env.DATABASE_URL ?? '';
export const REDIS_URL = process.env.REDIS_URL ?? '';
export const POSTGRES_SKIP = 'DATABASE_URL not set: PostgreSQL variant skipped';
export const REDIS_SKIP = 'REDIS_URL not set: Redis (BullMQ) variant skipped';

/** A fresh PostgreSQL database for one suite, dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `adnova_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
