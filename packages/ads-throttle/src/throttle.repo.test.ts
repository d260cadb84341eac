import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { DATABASE_URL, openPglite, openPostgres, type TestDatabase } from '../test/databases.ts';
import { adsThrottleMigrations } from './migrations.ts';
import {
  deleteEventRow,
  deleteEventRowsBefore,
  deleteOverrideRowsForUser,
  findSettingsRow,
  insertOverrideRow,
  insertSettingsRow,
  listActiveOverrideRows,
  listEventRows,
  listOverrideRows,
  type OverrideRow,
  recordEventRow,
  upsertSettingsRow,
} from './throttle.repo.ts';

const H = (c: string) => c.repeat(64);
const AT = new Date('2026-01-05T12:00:00Z');
const later = (seconds: number) => new Date(AT.getTime() + seconds * 1000);

if (!DATABASE_URL) {
  console.warn('WARNING: DATABASE_URL not set: repository tests run on PGlite only');
  it('PostgreSQL variant', { skip: 'DATABASE_URL not set: PostgreSQL repository tests skipped' }, () => {});
}

describe('migrations', () => {
  it('ship the same SQL as sql/001_ads_throttle.sql', () => {
    const file = readFileSync(new URL('../sql/001_ads_throttle.sql', import.meta.url), 'utf8');
    assert.equal(adsThrottleMigrations[0]?.sql, file);
    assert.equal(adsThrottleMigrations[0]?.id, '001_ads_throttle');
    assert.ok((adsThrottleMigrations[0]?.statements.length ?? 0) >= 10);
  });

  it('run as one script inside a transaction, and again without harm', async () => {
    const db = new PGlite();
    try {
      const sql = adsThrottleMigrations[0]?.sql ?? '';
      await db.exec(`BEGIN;\n${sql}\nCOMMIT;`);
      await db.exec(`BEGIN;\n${sql}\nCOMMIT;`);
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'ads_throttle_%'`,
      );
      assert.equal(rows[0]?.n, 3);
    } finally {
      await db.close();
    }
  });
});

function repositorySuite(name: string, open: () => Promise<TestDatabase | undefined>): void {
  describe(`repository on ${name}`, {
    skip: name === 'postgres' && !DATABASE_URL ? 'DATABASE_URL not set' : false,
  }, () => {
    let db: TestDatabase;
    before(async () => {
      const opened = await open();
      if (opened === undefined) throw new Error('database unavailable');
      db = opened;
    });
    after(() => db.close());

    const event = (overrides: Partial<Parameters<typeof recordEventRow>[1]> = {}) => ({
      scope: '/p/',
      scopeHash: H('a'),
      viewerHash: H('b'),
      ipAddressHash: '',
      hashKeyId: 'k1',
      reason: 'threshold' as const,
      blocked: false,
      at: AT,
      ...overrides,
    });

    it('case 39: count 1 → 2, blocked false → true, the IP hash is filled in', async () => {
      await db.reset();
      const first = await recordEventRow(db.query, event());
      assert.deepEqual([first.count, first.blocked, first.ipAddressHash], [1, false, '']);
      const second = await recordEventRow(
        db.query,
        event({ ipAddressHash: H('c'), blocked: true, at: later(61) }),
      );
      assert.deepEqual([second.count, second.blocked, second.ipAddressHash], [2, true, H('c')]);
      assert.equal(second.firstSeen.getTime(), AT.getTime());
      assert.equal(second.lastSeen.getTime(), later(61).getTime());
      assert.equal(second.id, first.id);
    });

    it('case 40: blocked never goes back to false', async () => {
      await db.reset();
      await recordEventRow(db.query, event({ blocked: true }));
      const again = await recordEventRow(db.query, event({ blocked: false }));
      assert.deepEqual([again.blocked, again.count], [true, 2]);
    });

    it('case 41: an existing IP hash is kept', async () => {
      await db.reset();
      await recordEventRow(db.query, event({ ipAddressHash: H('x') }));
      const again = await recordEventRow(db.query, event({ ipAddressHash: H('y') }));
      assert.equal(again.ipAddressHash, H('x'));
    });

    it('stores long scopes truncated to 512 characters, kept apart by their hash', async () => {
      await db.reset();
      const long = `/${'a'.repeat(600)}`;
      await recordEventRow(db.query, event({ scope: long, scopeHash: H('1') }));
      await recordEventRow(db.query, event({ scope: `${long}b`, scopeHash: H('2') }));
      const page = await listEventRows(db.query, { limit: 10, offset: 0 });
      assert.equal(page.total, 2);
      assert.ok(page.items.every((row) => row.scope.length === 512));
    });

    it('concurrent upserts of one (scope, viewer) never lose a count', async () => {
      await db.reset();
      await Promise.all(Array.from({ length: 20 }, () => recordEventRow(db.query, event({ blocked: true }))));
      const page = await listEventRows(db.query, { limit: 10, offset: 0 });
      assert.equal(page.items[0]?.count, 20);
    });

    it('lists and filters events by scope, blocked, reason, search and time, with paging', async () => {
      await db.reset();
      for (let i = 0; i < 5; i += 1) {
        await recordEventRow(
          db.query,
          event({
            scope: i % 2 === 0 ? '/even/' : '/odd/',
            viewerHash: H(String(i)),
            blocked: i !== 4,
            reason: i === 3 ? 'override' : 'threshold',
            ipAddressHash: i === 1 ? H('f') : '',
            at: later(i),
          }),
        );
      }
      const all = await listEventRows(db.query, { limit: 2, offset: 0 });
      assert.equal(all.total, 5);
      assert.deepEqual(
        all.items.map((row) => row.viewerHash),
        [H('4'), H('3')],
      );
      const next = await listEventRows(db.query, { limit: 2, offset: 2 });
      assert.deepEqual(
        next.items.map((row) => row.viewerHash),
        [H('2'), H('1')],
      );
      assert.equal((await listEventRows(db.query, { scope: '/odd/', limit: 10, offset: 0 })).total, 2);
      assert.equal((await listEventRows(db.query, { blocked: false, limit: 10, offset: 0 })).total, 1);
      assert.equal((await listEventRows(db.query, { reason: 'override', limit: 10, offset: 0 })).total, 1);
      assert.equal((await listEventRows(db.query, { search: 'EVEN', limit: 10, offset: 0 })).total, 3);
      assert.equal((await listEventRows(db.query, { search: '%', limit: 10, offset: 0 })).total, 0);
      assert.equal(
        (await listEventRows(db.query, { search: 'nothing', searchHashes: [H('f')], limit: 10, offset: 0 }))
          .total,
        1,
      );
      assert.equal((await listEventRows(db.query, { since: later(3), limit: 10, offset: 0 })).total, 2);
      assert.equal((await listEventRows(db.query, { until: later(1), limit: 10, offset: 0 })).total, 1);
    });

    it('deletes one event and expired events (retention)', async () => {
      await db.reset();
      const old = await recordEventRow(db.query, event({ viewerHash: H('1') }));
      await recordEventRow(db.query, event({ viewerHash: H('2'), at: later(86_400 * 100) }));
      await recordEventRow(db.query, event({ viewerHash: H('3'), at: later(86_400 * 100) }));
      assert.equal(await deleteEventRowsBefore(db.query, later(86_400 * 10)), 1);
      assert.equal(await deleteEventRow(db.query, old.id), false);
      const page = await listEventRows(db.query, { limit: 10, offset: 0 });
      assert.equal(await deleteEventRow(db.query, page.items[0]?.id ?? ''), true);
      assert.equal(await deleteEventRow(db.query, 'not-a-number'), false);
    });

    it('keeps the settings a singleton (insert-once and upsert)', async () => {
      await db.reset();
      assert.equal(await findSettingsRow(db.query), undefined);
      const values = { windowSeconds: 10, threshold: 2, blockSeconds: 30, eventRecordSeconds: 5 };
      assert.ok(await insertSettingsRow(db.query, values, AT));
      assert.equal(await insertSettingsRow(db.query, values, AT), undefined);
      const updated = await upsertSettingsRow(db.query, { ...values, threshold: 9 }, later(5));
      assert.equal(updated.threshold, 9);
      assert.equal(updated.updatedAt.getTime(), later(5).getTime());
      await assert.rejects(db.raw(`INSERT INTO ads_throttle_settings (id) VALUES (2)`), /check constraint/i);
      await assert.rejects(
        db.raw(`UPDATE ads_throttle_settings SET view_repeat_threshold = 0`),
        /check constraint/i,
      );
      const { rows } = (await db.raw(`SELECT count(*)::int AS n FROM ads_throttle_settings`)) as {
        rows: Array<{ n: number }>;
      };
      assert.equal(rows[0]?.n, 1);
    });

    const rule = (overrides: Partial<OverrideRow> = {}): OverrideRow => ({
      scope: '',
      target: 'all',
      action: 'block',
      userId: '',
      viewerIdHash: '',
      viewerLabel: '',
      ipAddressHash: '',
      hashKeyId: 'k1',
      expiresAt: null,
      ...overrides,
    });

    it('ties the target to its identifier columns in SQL', async () => {
      await db.reset();
      await insertOverrideRow(db.query, rule(), AT);
      await insertOverrideRow(db.query, rule({ target: 'ip', ipAddressHash: H('a') }), AT);
      await insertOverrideRow(db.query, rule({ target: 'user', userId: '7', viewerIdHash: H('u') }), AT);
      await insertOverrideRow(db.query, rule({ target: 'viewer', viewerIdHash: H('v') }), AT);
      for (const bad of [
        rule({ target: 'all', userId: '7' }),
        rule({ target: 'ip' }),
        rule({ target: 'user' }),
        rule({ target: 'viewer', viewerIdHash: H('v'), ipAddressHash: H('a') }),
        rule({ action: 'none' as 'block' }),
      ]) {
        await assert.rejects(insertOverrideRow(db.query, bad, AT), /check constraint/i);
      }
    });

    it('lists active rules at a time, filters, searches and pages', async () => {
      await db.reset();
      await insertOverrideRow(db.query, rule({ scope: '/a/', expiresAt: later(-1) }), AT);
      await insertOverrideRow(db.query, rule({ scope: '/a/', expiresAt: AT }), AT);
      await insertOverrideRow(
        db.query,
        rule({ scope: '/b/', expiresAt: later(1), action: 'show' }),
        later(1),
      );
      await insertOverrideRow(
        db.query,
        rule({ target: 'user', userId: 'u-100', viewerIdHash: H('u'), viewerLabel: 'user:u-100' }),
        later(2),
      );
      assert.equal((await listActiveOverrideRows(db.query, AT)).length, 2);
      const base = { now: AT, limit: 10, offset: 0 };
      assert.equal((await listOverrideRows(db.query, base)).total, 4);
      assert.equal((await listOverrideRows(db.query, { ...base, status: 'expired' })).total, 2);
      assert.equal((await listOverrideRows(db.query, { ...base, status: 'active' })).total, 2);
      assert.equal((await listOverrideRows(db.query, { ...base, action: 'show' })).total, 1);
      assert.equal((await listOverrideRows(db.query, { ...base, target: 'user' })).total, 1);
      assert.equal((await listOverrideRows(db.query, { ...base, scope: '/a/' })).total, 2);
      assert.equal((await listOverrideRows(db.query, { ...base, search: 'U-1' })).total, 1);
      const page = await listOverrideRows(db.query, { ...base, limit: 1, offset: 1 });
      assert.deepEqual([page.total, page.items.length, page.items[0]?.scope], [4, 1, '/b/']);
      assert.equal(await deleteOverrideRowsForUser(db.query, 'u-100'), 1);
    });

    it('issue 12: any limit and offset page safely; a page past the end costs only the count', async () => {
      await db.reset();
      for (const viewer of ['1', '2', '3']) await recordEventRow(db.query, event({ viewerHash: H(viewer) }));
      const statements: string[] = [];
      const counted = (text: string, params?: unknown[]) => {
        statements.push(text);
        return db.query(text, params);
      };
      const page = async (limit: number, offset: number) => {
        statements.length = 0;
        const events = await listEventRows(counted, { limit, offset });
        const overrides = await listOverrideRows(counted, { now: AT, limit, offset });
        return {
          events: [events.total, events.items.length],
          overrides: overrides.total,
          statements: statements.length,
        };
      };
      // Nonsense limits become 1..500 (NaN the default, 50); nonsense offsets 0 (NaN, negative).
      for (const limit of [Number.NaN, Number.POSITIVE_INFINITY, 1e21, 10.7]) {
        assert.deepEqual((await page(limit, 0)).events, [3, 3], String(limit));
      }
      assert.deepEqual((await page(0, 0)).events, [3, 1]);
      assert.deepEqual((await page(Number.NEGATIVE_INFINITY, 0)).events, [3, 1]);
      for (const offset of [Number.NaN, -1, Number.NEGATIVE_INFINITY]) {
        assert.deepEqual((await page(10, offset)).events, [3, 3], String(offset));
      }
      // Offsets past the end (up to 2^31 − 1 pages of 500 and beyond): empty, and no row query at all.
      for (const offset of [3, 1_073_741_823_500, 2 ** 53, 1e21, Number.POSITIVE_INFINITY]) {
        const result = await page(10, offset);
        assert.deepEqual(result.events, [3, 0], String(offset));
        assert.equal(result.statements, 2, `${offset}: one count per list, no row query`);
      }
    });
  });
}

repositorySuite('pglite', openPglite);
repositorySuite('postgres', openPostgres);
