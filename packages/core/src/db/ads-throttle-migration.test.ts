import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { adsThrottleMigrations, adsThrottleTables } from '@adnova/ads-throttle';
import { migrationsFolder, openDatabase } from './database.ts';

const file = join(migrationsFolder, '0002_ads_throttle.sql');

/** The statements of a Drizzle migration file: chunks between breakpoints, comments and `;` dropped. */
function statementsOf(sql: string): string[] {
  return sql
    .split('--> statement-breakpoint')
    .map((chunk) =>
      chunk
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n')
        .trim()
        .replace(/;$/, ''),
    )
    .filter((statement) => statement !== '');
}

test('issue 3: migration 0002_ads_throttle holds exactly the library statements, in order', () => {
  const [library] = adsThrottleMigrations;
  assert.ok(library, 'the library ships a first migration');
  assert.equal(adsThrottleMigrations.length, 1, 'a new library migration needs its own AdNova migration');
  assert.deepEqual(statementsOf(readFileSync(file, 'utf8')), library.statements);
});

test('issue 3: migrating a fresh database creates the throttle tables, reachable through query()', async (t) => {
  const database = await openDatabase({ kind: 'pglite-memory' });
  t.after(() => database.close());
  await database.migrate();
  assert.deepEqual(await database.pendingMigrations(), []);
  const { rows } = await database.query(
    `SELECT table_name FROM information_schema.tables WHERE table_name = ANY($1) ORDER BY table_name`,
    [[...adsThrottleTables]],
  );
  assert.deepEqual(
    rows.map((row) => (row as { table_name: string }).table_name),
    [...adsThrottleTables].sort(),
  );
});
