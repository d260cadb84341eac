import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { clients } from '../db/schema.ts';
import type { Client } from './clients.schema.ts';

// 5 parameters a row; PostgreSQL allows 65535 per statement.
const CHUNK = 5000;

export async function upsertClientRows(db: Db, rows: readonly Client[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insert(clients)
      .values(
        rows.slice(i, i + CHUNK).map((c) => ({
          id: c.client_id,
          login: c.login,
          age: c.age,
          location: c.location,
          gender: c.gender,
        })),
      )
      .onConflictDoUpdate({
        target: clients.id,
        set: {
          login: sql`excluded.login`,
          age: sql`excluded.age`,
          location: sql`excluded.location`,
          gender: sql`excluded.gender`,
        },
      });
  }
}

export async function findClientRow(db: Db, id: string): Promise<Client | undefined> {
  const [row] = await db.select().from(clients).where(eq(clients.id, id)).limit(1);
  return (
    row && { client_id: row.id, login: row.login, age: row.age, location: row.location, gender: row.gender }
  );
}

/** Deletes a client with its scores and events (reports keep existing without it); false when absent. */
export async function deleteClientRow(db: Db, id: string): Promise<boolean> {
  const deleted = await db.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id });
  return deleted.length > 0;
}

export async function clientExists(db: Db, id: string): Promise<boolean> {
  const found = await db.select({ id: clients.id }).from(clients).where(eq(clients.id, id)).limit(1);
  return found.length > 0;
}
