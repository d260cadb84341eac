import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { json, useTestApp } from '../../test/helper.ts';

const client = (overrides: Record<string, unknown> = {}) => ({
  client_id: randomUUID(),
  login: 'ann',
  age: 29,
  location: 'Moscow',
  gender: 'FEMALE',
  ...overrides,
});

describe('POST /clients/bulk and GET /clients/{clientId}', () => {
  const ctx = useTestApp();
  const bulk = (payload: unknown) =>
    ctx.app.inject({ method: 'POST', url: '/clients/bulk', payload: payload as object });

  describe('happy path', () => {
    test('creates clients and returns them with 201', async () => {
      const a = client();
      const b = client({ gender: 'MALE', age: 0 });
      const res = await bulk([a, b]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), [a, b]);
      const got = await ctx.app.inject({ method: 'GET', url: `/clients/${a.client_id}` });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(json(got), a);
    });

    test('upserts: a known id replaces every field, still 201', async () => {
      const a = client();
      await bulk([a]);
      const changed = { ...a, login: 'bob', age: 100, location: 'Kazan', gender: 'MALE' };
      const res = await bulk([changed]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), [changed]);
      assert.deepEqual(
        json(await ctx.app.inject({ method: 'GET', url: `/clients/${a.client_id}` })),
        changed,
      );
    });

    test('duplicates in one request: last wins, ordered by last occurrence ([A1, B1, A2] → [B1, A2])', async () => {
      const id = randomUUID();
      const a1 = client({ client_id: id, login: 'first' });
      const b1 = client();
      const a2 = client({ client_id: id, login: 'second' });
      const res = await bulk([a1, b1, a2]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), [b1, a2]);
      assert.equal(
        json<{ login: string }>(await ctx.app.inject({ method: 'GET', url: `/clients/${id}` })).login,
        'second',
      );
    });

    test('empty array gives 201 []', async () => {
      const res = await bulk([]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), []);
    });

    test('ids are case-insensitive and returned lowercase', async () => {
      const id = randomUUID();
      const res = await bulk([client({ client_id: id.toUpperCase() })]);
      assert.equal(json<{ client_id: string }[]>(res)[0]?.client_id, id);
      const got = await ctx.app.inject({ method: 'GET', url: `/clients/${id.toUpperCase()}` });
      assert.equal(got.statusCode, 200);
      assert.equal(json<{ client_id: string }>(got).client_id, id);
    });

    test('unknown properties are ignored and not echoed', async () => {
      const a = client();
      const res = await bulk([{ ...a, extra: 'x' }]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), [a]);
    });
  });

  describe('errors', () => {
    const invalid: [string, unknown][] = [
      ['age above 100', [client({ age: 101 })]],
      ['negative age', [client({ age: -1 })]],
      ['fractional age', [client({ age: 5.5 })]],
      ['age as string', [client({ age: '25' })]],
      ['age as boolean', [client({ age: true })]],
      ['gender not in enum', [client({ gender: 'OTHER' })]],
      ['lowercase gender', [client({ gender: 'male' })]],
      ['empty login', [client({ login: '' })]],
      ['empty location', [client({ location: '' })]],
      ['missing field', [{ client_id: randomUUID(), login: 'a', age: 1, gender: 'MALE' }]],
      ['bad uuid', [client({ client_id: 'not-a-uuid' })]],
      ['object instead of array', client()],
      ['null element', [null]],
      ['string body', 'hello'],
    ];
    for (const [name, payload] of invalid) {
      test(`400 for ${name}`, async () => {
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/clients/bulk',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.ok(json<{ detail: unknown }>(res).detail);
      });
    }

    test('the detail names the offending field', async () => {
      const res = await bulk([client(), client({ age: 101 })]);
      const detail = json<{ detail: { loc: unknown[]; msg: string }[] }>(res).detail;
      assert.deepEqual(detail[0]?.loc, ['body', 1, 'age']);
      assert.match(detail[0]?.msg ?? '', /age/);
    });

    test('a rejected batch writes nothing (all-or-nothing)', async () => {
      const good = client();
      const res = await bulk([good, client({ age: 500 })]);
      assert.equal(res.statusCode, 400);
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/clients/${good.client_id}` })).statusCode,
        404,
      );
    });

    test('an invalid earlier duplicate rejects the batch even if the last occurrence is valid', async () => {
      const id = randomUUID();
      const res = await bulk([client({ client_id: id, age: 900 }), client({ client_id: id })]);
      assert.equal(res.statusCode, 400);
      assert.equal((await ctx.app.inject({ method: 'GET', url: `/clients/${id}` })).statusCode, 404);
    });

    test('malformed JSON is 400', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/clients/bulk',
        headers: { 'content-type': 'application/json' },
        payload: '[{"client_id": ',
      });
      assert.equal(res.statusCode, 400);
      assert.equal(typeof json<{ detail: unknown }>(res).detail, 'string');
    });

    test('GET with a bad uuid is 400, unknown id is 404', async () => {
      const bad = await ctx.app.inject({ method: 'GET', url: '/clients/123' });
      assert.equal(bad.statusCode, 400);
      const missing = await ctx.app.inject({ method: 'GET', url: `/clients/${randomUUID()}` });
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(json(missing), { detail: 'Not Found' });
    });
  });

  describe('concurrency', () => {
    test('concurrent batches over the same ids in opposite orders all succeed (no deadlock)', async () => {
      const ids = Array.from({ length: 20 }, () => randomUUID());
      const batches = Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? [...ids].reverse() : ids).map((id) => client({ client_id: id, login: `batch-${i}` })),
      );
      const results = await Promise.all(batches.map((b) => bulk(b)));
      for (const r of results) assert.equal(r.statusCode, 201, r.body);
      // Each id holds some batch's value in full (last writer wins between requests).
      for (const id of ids) {
        const got = json<{ login: string }>(await ctx.app.inject({ method: 'GET', url: `/clients/${id}` }));
        assert.match(got.login, /^batch-\d$/);
      }
    });
  });
});
