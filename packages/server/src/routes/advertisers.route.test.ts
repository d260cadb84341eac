import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { json, seed, useTestApp } from '../../test/helper.ts';

describe('advertisers and ML scores', () => {
  const ctx = useTestApp();
  const bulk = (payload: unknown) =>
    ctx.app.inject({ method: 'POST', url: '/advertisers/bulk', payload: payload as object });
  const score = (payload: unknown) =>
    ctx.app.inject({ method: 'POST', url: '/ml-scores', payload: payload as object });

  describe('happy path', () => {
    test('bulk upsert with last-wins ordering and GET', async () => {
      const id = randomUUID();
      const other = { advertiser_id: randomUUID(), name: 'Other' };
      const res = await bulk([{ advertiser_id: id, name: 'Old' }, other, { advertiser_id: id, name: 'New' }]);
      assert.equal(res.statusCode, 201);
      assert.deepEqual(json(res), [other, { advertiser_id: id, name: 'New' }]);
      const got = await ctx.app.inject({ method: 'GET', url: `/advertisers/${id}` });
      assert.deepEqual(json(got), { advertiser_id: id, name: 'New' });
    });

    test('ML score upsert returns the stored value and replaces on the second call', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const c = await s.client();
      const first = await score({ client_id: c.client_id, advertiser_id: a.advertiser_id, score: 8874 });
      assert.equal(first.statusCode, 200);
      assert.deepEqual(json(first), { client_id: c.client_id, advertiser_id: a.advertiser_id, score: 8874 });
      const second = await score({ client_id: c.client_id, advertiser_id: a.advertiser_id, score: 0 });
      assert.equal(json<{ score: number }>(second).score, 0);
    });
  });

  describe('errors', () => {
    test('advertiser validation: empty name, missing id, wrong types → 400 and nothing written', async () => {
      const good = { advertiser_id: randomUUID(), name: 'Good' };
      for (const bad of [
        { advertiser_id: randomUUID(), name: '' },
        { name: 'x' },
        { advertiser_id: randomUUID(), name: 5 },
      ]) {
        const res = await bulk([good, bad]);
        assert.equal(res.statusCode, 400, JSON.stringify(bad));
      }
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/advertisers/${good.advertiser_id}` })).statusCode,
        404,
      );
    });

    test('GET advertiser: 400 bad uuid, 404 unknown', async () => {
      assert.equal((await ctx.app.inject({ method: 'GET', url: '/advertisers/xyz' })).statusCode, 400);
      assert.equal(
        (await ctx.app.inject({ method: 'GET', url: `/advertisers/${randomUUID()}` })).statusCode,
        404,
      );
    });

    test('ML score: negative, fractional, string, missing → 400; unknown client or advertiser → 404', async () => {
      const s = seed(ctx.app);
      const a = await s.advertiser();
      const c = await s.client();
      for (const value of [-1, 1.5, '10', null, 2 ** 31]) {
        const res = await score({ client_id: c.client_id, advertiser_id: a.advertiser_id, score: value });
        assert.equal(res.statusCode, 400, String(value));
      }
      assert.equal((await score({ client_id: c.client_id, advertiser_id: a.advertiser_id })).statusCode, 400);
      assert.equal(
        (await score({ client_id: randomUUID(), advertiser_id: a.advertiser_id, score: 1 })).statusCode,
        404,
      );
      assert.equal(
        (await score({ client_id: c.client_id, advertiser_id: randomUUID(), score: 1 })).statusCode,
        404,
      );
    });
  });
});
