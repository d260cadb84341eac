import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LINK_CODE_TTL_MS } from '@adnova/core/telegram/telegram';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, fakeClock, json, seed, startTestApp, type TestApp } from '../../test/helper.ts';

const TOKEN = 'bot-api-token-for-tests';
const clock = fakeClock();

type LinkCode = { code: string; expires_at: string };
type Link = { telegram_user_id: number; advertiser_id: string; advertiser_name: string; created_at: string };

const telegramUser = () => randomInt(1, 2 ** 47);

/** `token: null` sends no X-Bot-Token header at all. */
function client(app: FastifyInstance, token: string | null = TOKEN) {
  const headers = token === null ? {} : { 'x-bot-token': token };
  return {
    issue: (advertiserId: string) =>
      app.inject({ method: 'POST', url: `/advertisers/${advertiserId}/link_codes` }),
    link: (payload: unknown) =>
      app.inject({ method: 'POST', url: '/telegram/links', headers, payload: payload as object }),
    get: (id: number | string) => app.inject({ method: 'GET', url: `/telegram/links/${id}`, headers }),
    unlink: (id: number | string) => app.inject({ method: 'DELETE', url: `/telegram/links/${id}`, headers }),
  };
}

describe('issue 7: Telegram link codes and bindings', () => {
  const ctx = {} as TestApp;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    const started = await startTestApp({}, { clock, app: { botApiToken: TOKEN } });
    Object.assign(ctx, started);
    close = started.close;
  });
  after(async () => {
    await close?.();
  });

  async function issue(advertiserId: string): Promise<LinkCode> {
    const res = await client(ctx.app).issue(advertiserId);
    assert.equal(res.statusCode, 201, res.body);
    return json<LinkCode>(res);
  }

  describe('happy path', () => {
    test('issue a code, link an account with it, read and delete the binding', async () => {
      const adv = await seed(ctx.app).advertiser({ name: 'Nova Coffee' });
      const code = await issue(adv.advertiser_id);
      assert.match(code.code, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
      assert.equal(Date.parse(code.expires_at), clock.now() + LINK_CODE_TTL_MS);

      const user = telegramUser();
      const api = client(ctx.app);
      const linked = await api.link({ code: code.code, telegram_user_id: user });
      assert.equal(linked.statusCode, 200, linked.body);
      const body = json<Link>(linked);
      assert.equal(body.telegram_user_id, user);
      assert.equal(body.advertiser_id, adv.advertiser_id);
      assert.equal(body.advertiser_name, 'Nova Coffee');

      assert.deepEqual(json(await api.get(user)), body);
      assert.equal((await api.unlink(user)).statusCode, 204);
      assert.equal((await api.get(user)).statusCode, 404);
    });

    test('codes forgive case, spaces, dashes and look-alike letters', async () => {
      const adv = await seed(ctx.app).advertiser();
      const { code } = await issue(adv.advertiser_id);
      const sloppy = ` ${code.replace('-', ' ').toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l')} `;
      const res = await client(ctx.app).link({ code: sloppy, telegram_user_id: telegramUser() });
      assert.equal(res.statusCode, 200, res.body);
    });

    test('linking again moves the account to the new advertiser; one advertiser can have many accounts', async () => {
      const s = seed(ctx.app);
      const [first, second] = [await s.advertiser(), await s.advertiser()];
      const user = telegramUser();
      const colleague = telegramUser();
      const api = client(ctx.app);
      await api.link({ code: (await issue(first.advertiser_id)).code, telegram_user_id: user });
      await api.link({ code: (await issue(first.advertiser_id)).code, telegram_user_id: colleague });
      await api.link({ code: (await issue(second.advertiser_id)).code, telegram_user_id: user });
      assert.equal(json<Link>(await api.get(user)).advertiser_id, second.advertiser_id);
      assert.equal(json<Link>(await api.get(colleague)).advertiser_id, first.advertiser_id);
    });

    test('N accounts racing for one code: exactly one wins, the rest get 409', async () => {
      const adv = await seed(ctx.app).advertiser();
      const { code } = await issue(adv.advertiser_id);
      const api = client(ctx.app);
      const users = Array.from({ length: 8 }, telegramUser);
      const results = await Promise.all(users.map((u) => api.link({ code, telegram_user_id: u })));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409, 409, 409, 409]);
      const linked = (await Promise.all(users.map((u) => api.get(u)))).filter((r) => r.statusCode === 200);
      assert.equal(linked.length, 1);
    });

    test('deleting the advertiser deletes its bindings', async () => {
      const adv = await seed(ctx.app).advertiser();
      const user = telegramUser();
      await client(ctx.app).link({ code: (await issue(adv.advertiser_id)).code, telegram_user_id: user });
      await ctx.deps.database.query('DELETE FROM advertisers WHERE id = $1', [adv.advertiser_id]);
      assert.equal((await client(ctx.app).get(user)).statusCode, 404);
    });
  });

  describe('errors', () => {
    test('issuing: 400 malformed advertiser id, 404 unknown advertiser', async () => {
      const api = client(ctx.app);
      assert.equal((await api.issue('nope')).statusCode, 400);
      const unknown = await api.issue(randomUUID());
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(json(unknown), { detail: 'Not Found' });
    });

    test('a used code is 409; an unknown, malformed or expired code is 404', async () => {
      const adv = await seed(ctx.app).advertiser();
      const api = client(ctx.app);
      const { code } = await issue(adv.advertiser_id);
      assert.equal((await api.link({ code, telegram_user_id: telegramUser() })).statusCode, 200);
      const reused = await api.link({ code, telegram_user_id: telegramUser() });
      assert.equal(reused.statusCode, 409);
      assert.deepEqual(json(reused), { detail: 'This link code has already been used.' });

      for (const bad of ['AAAAA-AAAAA', 'short', 'UUUUU-UUUUU']) {
        const res = await api.link({ code: bad, telegram_user_id: telegramUser() });
        assert.equal(res.statusCode, 404, bad);
        assert.deepEqual(json(res), { detail: 'Unknown or expired link code.' });
      }

      const late = await issue(adv.advertiser_id);
      clock.advance(LINK_CODE_TTL_MS);
      assert.equal((await api.link({ code: late.code, telegram_user_id: telegramUser() })).statusCode, 404);
    });

    test('bad bodies and ids are 400', async () => {
      const api = client(ctx.app);
      for (const payload of [
        {},
        { code: 'ABCDE-FGHJK' },
        { code: '', telegram_user_id: 1 },
        { code: 'ABCDE-FGHJK', telegram_user_id: 0 },
        { code: 'ABCDE-FGHJK', telegram_user_id: '5' },
      ]) {
        assert.equal((await api.link(payload)).statusCode, 400, JSON.stringify(payload));
      }
      assert.equal((await api.get('abc')).statusCode, 400);
      assert.equal((await api.unlink(-4)).statusCode, 400);
    });

    test('unbinding an account that is not bound is 404', async () => {
      assert.equal((await client(ctx.app).unlink(telegramUser())).statusCode, 404);
    });
  });

  describe('auth', () => {
    const calls = (api: ReturnType<typeof client>) => [
      api.link({ code: 'ABCDE-FGHJK', telegram_user_id: 1 }),
      api.get(1),
      api.unlink(1),
    ];

    test('the bot-only endpoints refuse a missing or wrong X-Bot-Token with 401, before validating', async () => {
      for (const token of [null, 'wrong', `${TOKEN}x`, '']) {
        for (const res of await Promise.all([
          ...calls(client(ctx.app, token)),
          client(ctx.app, token).get('x'),
        ])) {
          assert.equal(res.statusCode, 401, `${token}: ${res.body}`);
          assert.deepEqual(json(res), {
            detail: 'Unauthorized: send the shared BOT_API_TOKEN in X-Bot-Token.',
          });
        }
      }
    });

    test('issuing a link code is public, like the rest of the API', async () => {
      const adv = await seed(ctx.app).advertiser();
      assert.equal((await client(ctx.app, null).issue(adv.advertiser_id)).statusCode, 201);
    });

    test('without BOT_API_TOKEN on the API the bot-only endpoints are disabled', async (t) => {
      const { app } = await buildTestApp(t);
      for (const res of await Promise.all(calls(client(app)))) {
        assert.equal(res.statusCode, 401);
        assert.deepEqual(json(res), {
          detail: 'Telegram bot endpoints are disabled: set BOT_API_TOKEN on the API and on the bot.',
        });
      }
    });
  });
});
