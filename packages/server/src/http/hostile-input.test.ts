import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Issue } from '@adnova/core/errors';
import { json, seed, useTestApp } from '../../test/helper.ts';

type Body = { detail: Issue[] | string; truncated?: boolean };

/** Strings PostgreSQL `text` cannot take: NUL, and surrogates without their pair (spec §8 #38). */
const UNSTORABLE = ['a\u0000b', '\ud800', 'x\udfff', '\ud83d\ude00\ude00'];

describe('issue 12: hostile input gets a clear 400, never a 500', () => {
  const ctx = useTestApp();

  test('finding 3: NUL or a lone surrogate in any string field → 400 naming the field', async () => {
    const s = seed(ctx.app);
    const advertiser = await s.advertiser();
    const client = await s.client();
    const campaign = await s.campaign(advertiser.advertiser_id);
    await s.advance(0);
    const campaignBody = {
      impressions_limit: 10,
      clicks_limit: 1,
      cost_per_impression: 1,
      cost_per_click: 1,
      ad_title: 'Title',
      ad_text: 'Text',
      start_date: 0,
      end_date: 1,
    };
    type Case = { method: 'POST' | 'PUT'; url: string; field: string; body: (bad: string) => unknown };
    const cases: Case[] = [
      {
        method: 'POST',
        url: '/advertisers/bulk',
        field: '[0].name',
        body: (bad) => [{ advertiser_id: randomUUID(), name: bad }],
      },
      {
        method: 'POST',
        url: '/clients/bulk',
        field: '[0].login',
        body: (bad) => [{ ...client, client_id: randomUUID(), login: bad }],
      },
      {
        method: 'POST',
        url: '/clients/bulk',
        field: '[0].location',
        body: (bad) => [{ ...client, client_id: randomUUID(), location: bad }],
      },
      ...(['ad_title', 'ad_text'] as const).flatMap((name): Case[] => [
        {
          method: 'POST',
          url: `/advertisers/${advertiser.advertiser_id}/campaigns`,
          field: name,
          body: (bad) => ({ ...campaignBody, [name]: bad }),
        },
        {
          method: 'PUT',
          url: `/advertisers/${advertiser.advertiser_id}/campaigns/${campaign.campaign_id}`,
          field: name,
          body: (bad) => ({ [name]: bad }),
        },
      ]),
      {
        method: 'POST',
        url: `/advertisers/${advertiser.advertiser_id}/campaigns`,
        field: 'targeting.location',
        body: (bad) => ({ ...campaignBody, targeting: { location: bad } }),
      },
      {
        method: 'POST',
        url: `/report/${campaign.campaign_id}`,
        field: 'message',
        body: (bad) => ({ client_id: client.client_id, message: bad }),
      },
      {
        method: 'POST',
        url: '/generate/ad_text',
        field: 'advertiser_name',
        body: (bad) => ({ advertiser_name: bad, ad_title: 'Coffee' }),
      },
      {
        method: 'POST',
        url: '/generate/ad_text',
        field: 'ad_title',
        body: (bad) => ({ advertiser_name: 'Nova', ad_title: bad }),
      },
    ];
    for (const c of cases) {
      for (const bad of UNSTORABLE) {
        const res = await ctx.app.inject({ method: c.method, url: c.url, payload: c.body(bad) as object });
        const what = `${c.method} ${c.url} ${c.field}=${JSON.stringify(bad)}`;
        assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
        const issues = json<Body>(res).detail as Issue[];
        assert.ok(Array.isArray(issues), what);
        assert.ok(
          issues.some(
            (i) =>
              i.msg === `${c.field} must not contain NUL or unpaired surrogate characters` &&
              i.type === 'storableText_error',
          ),
          `${what}: ${res.body}`,
        );
      }
    }
    // Query strings too: the throttle scope of GET /ads.
    const scope = await ctx.app.inject({
      method: 'GET',
      url: `/ads?client_id=${client.client_id}&scope=%00`,
    });
    assert.equal(scope.statusCode, 400, scope.body);
    assert.match(scope.body, /scope must not contain NUL/);
    // A valid astral character (a surrogate pair) is text like any other.
    const emoji = await ctx.app.inject({
      method: 'POST',
      url: '/advertisers/bulk',
      payload: [{ advertiser_id: randomUUID(), name: 'Nova ☕ \ud83d\ude00' }],
    });
    assert.equal(emoji.statusCode, 201, emoji.body);
  });

  test('finding 2: a bulk body over 10,000 elements is refused before its elements are checked', async () => {
    const clients = Array.from({ length: 10_001 }, () => ({ client_id: 'nope' }));
    const res = await ctx.app.inject({ method: 'POST', url: '/clients/bulk', payload: clients });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(json<Body>(res), {
      detail: [{ loc: ['body'], msg: 'body must contain at most 10000 elements', type: 'maxItems_error' }],
    });
    const advertisers = Array.from({ length: 10_001 }, () => ({ advertiser_id: randomUUID(), name: 'A' }));
    const tooMany = await ctx.app.inject({ method: 'POST', url: '/advertisers/bulk', payload: advertisers });
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.body, /at most 10000 elements/);
    // Exactly the limit is accepted.
    const limit = await ctx.app.inject({
      method: 'POST',
      url: '/advertisers/bulk',
      payload: advertisers.slice(0, 10_000),
    });
    assert.equal(limit.statusCode, 201);
  });

  test('finding 2: at most 100 issues per 400, the first ones in body order, then "truncated"', async () => {
    // 150 elements, each with a bad age: 150 issues found, 100 listed.
    const clients = Array.from({ length: 150 }, () => ({
      client_id: randomUUID(),
      login: 'l',
      age: 101,
      location: 'x',
      gender: 'MALE',
    }));
    const res = await ctx.app.inject({ method: 'POST', url: '/clients/bulk', payload: clients });
    assert.equal(res.statusCode, 400);
    const body = json<Body>(res);
    assert.equal(body.truncated, true);
    const issues = body.detail as Issue[];
    assert.equal(issues.length, 100);
    assert.deepEqual(
      issues.map((i) => i.loc[1]),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.equal(issues[0]?.msg, '[0].age must be <= 100');
    // Below the cap nothing is cut and the flag is absent.
    const few = await ctx.app.inject({ method: 'POST', url: '/clients/bulk', payload: clients.slice(0, 3) });
    assert.equal(json<Body>(few).truncated, undefined);
    assert.equal((json<Body>(few).detail as Issue[]).length, 3);
  });
});
