import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { createTestDatabase, DATABASE_URL, POSTGRES_SKIP } from '@adnova/test-utils/stores';
import { openDatabase, type PreparedStatement } from './database.ts';

const skip = DATABASE_URL ? false : POSTGRES_SKIP;
const STATEMENT: PreparedStatement = { name: 'adnova_test_add', text: 'SELECT $1::int + 1 AS n' };

async function fresh(t: TestContext) {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  return database;
}

/** The named statements prepared on the pool's one connection. */
async function preparedNames(database: Awaited<ReturnType<typeof openDatabase>>): Promise<string[]> {
  const { rows } = await database.query('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((row) => (row as { name: string }).name);
}

test('issue 15: DATABASE_PREPARED_STATEMENTS=false runs hot-path statements unnamed, with the same results', {
  skip,
}, async (t) => {
  const { url } = await fresh(t);
  for (const preparedStatements of [true, false]) {
    const database = await openDatabase({ kind: 'postgres', url, poolSize: 1, preparedStatements });
    t.after(() => database.close());
    assert.deepEqual(await database.prepared(STATEMENT, [41]), [{ n: 42 }]);
    assert.deepEqual(await database.prepared(STATEMENT, [1]), [{ n: 2 }]);
    assert.deepEqual(await preparedNames(database), preparedStatements ? [STATEMENT.name] : []);
  }
});

test('issue 15: migrations run on DATABASE_MIGRATE_URL, and leave the pool its statement timeout', {
  skip,
}, async (t) => {
  const pooled = await fresh(t);
  const direct = await fresh(t);
  // Two databases stand in for "through the pooler" and "the primary directly", so where the
  // migrations went is visible.
  const database = await openDatabase({
    kind: 'postgres',
    url: pooled.url,
    migrateUrl: direct.url,
    poolSize: 1,
    statementTimeoutMs: 1234,
  });
  t.after(() => database.close());
  await database.migrate();
  assert.ok((await database.pendingMigrations()).length > 0, 'nothing migrated through DATABASE_URL');
  const onDirect = await openDatabase({ kind: 'postgres', url: direct.url, poolSize: 1 });
  t.after(() => onDirect.close());
  assert.deepEqual(await onDirect.pendingMigrations(), []);
  const { rows } = await database.query("SELECT current_setting('statement_timeout') AS value");
  assert.deepEqual(rows, [{ value: '1234ms' }]);
  // Connected directly, the startup options arrive: nothing to report.
  assert.deepEqual(await database.settingIssues?.(), []);
});
