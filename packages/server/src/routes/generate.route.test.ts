import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { API_KEY, type ChatAnswer, startChatServer } from '@adnova/test-utils/chat-server';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import {
  buildTestApp,
  createTestDatabase,
  json,
  startTestApp,
  useTestApp,
  usingPostgres,
} from '../../test/helper.ts';

type Task = { task_id: string; status: string; result: string | null; error?: string };

const generate = (app: FastifyInstance, payload: unknown) =>
  app.inject({ method: 'POST', url: '/generate/ad_text', payload: payload as object });
const result = (app: FastifyInstance, taskId: string) =>
  app.inject({ method: 'GET', url: `/generate/ad_text/${taskId}/result` });

/** Polls the task until it is finished (the worker runs in the test app). */
async function pollTask(app: FastifyInstance, taskId: string, timeoutMs = 10_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await result(app, taskId);
    assert.equal(res.statusCode, 200, res.body);
    const task = json<Task>(res);
    if (task.status === 'SUCCESS' || task.status === 'FAILURE') return task;
    if (Date.now() > deadline) assert.fail(`task ${taskId} still ${task.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An app whose LLM is a local chat-completions server answering with `answer`. */
async function appWithLlm(
  t: Parameters<typeof buildTestApp>[0],
  answer: Parameters<typeof startChatServer>[0],
  env: Record<string, string> = {},
) {
  const server = await startChatServer(answer);
  t.after(() => server.close());
  const started = await buildTestApp(t, {
    LLM_BASE_URL: server.baseUrl,
    LLM_API_KEY: API_KEY,
    LLM_MODEL: 'test-model',
    LLM_MAX_RETRIES: '0',
    LLM_RETRY_BACKOFF_MS: '5',
    ...env,
  });
  return { ...started, server };
}

describe('POST /generate/ad_text and GET /generate/ad_text/{task_id}/result', () => {
  const ctx = useTestApp();

  describe('happy path', () => {
    test('200 PENDING at once, then SUCCESS with an offline text naming advertiser and title', async () => {
      const res = await generate(ctx.app, { advertiser_name: 'Nova Coffee', ad_title: 'Morning coffee' });
      assert.equal(res.statusCode, 200, res.body);
      const task = json<Task>(res);
      assert.match(task.task_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.deepEqual(task, { task_id: task.task_id, status: 'PENDING', result: null });
      const done = await pollTask(ctx.app, task.task_id);
      assert.equal(done.status, 'SUCCESS');
      assert.match(done.result ?? '', /Nova Coffee/);
      assert.match(done.result ?? '', /Morning coffee/);
      assert.equal(done.error, undefined);
      // The task id compares case-insensitively.
      assert.deepEqual(json(await result(ctx.app, task.task_id.toUpperCase())), done);
    });

    test('Russian input gets a Russian text; same input, same text', async () => {
      const body = { advertiser_name: 'Ромашка', ad_title: 'Скидки на сухарики' };
      const [a, b] = await Promise.all([generate(ctx.app, body), generate(ctx.app, body)]);
      const [ta, tb] = await Promise.all([
        pollTask(ctx.app, json<Task>(a).task_id),
        pollTask(ctx.app, json<Task>(b).task_id),
      ]);
      assert.match(ta.result ?? '', /«Скидки на сухарики»/);
      assert.equal(ta.result, tb.result);
      assert.notEqual(ta.task_id, tb.task_id);
    });

    test('through an OpenAI-compatible LLM: the seed prompt goes out, the cleaned reply comes back', async (t) => {
      const { app, server } = await appWithLlm(t, () => ({ reply: '"Кофе"\nс Nova Coffee!\n' }));
      const task = json<Task>(await generate(app, { advertiser_name: 'Nova Coffee', ad_title: 'Кофе' }));
      const done = await pollTask(app, task.task_id);
      assert.deepEqual(done, { task_id: task.task_id, status: 'SUCCESS', result: 'Кофе с Nova Coffee!' });
      assert.match(server.requests[0]?.body.messages?.[0]?.content ?? '', /рекламодателя: "Nova Coffee"/);
    });

    test('the paths are documented in OpenAPI', async () => {
      const doc = json<{ paths: Record<string, unknown> }>(
        await ctx.app.inject({ method: 'GET', url: '/docs/openapi.json' }),
      );
      assert.ok(doc.paths['/generate/ad_text']);
      assert.ok(doc.paths['/generate/ad_text/{taskId}/result']);
    });
  });

  describe('errors', () => {
    test('404 for an unknown task id, 400 for one that is not a UUID', async () => {
      const unknown = await result(ctx.app, randomUUID());
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(json(unknown), { detail: 'Not Found' });
      for (const bad of ['123', 'not-a-uuid', `${randomUUID()}x`]) {
        assert.equal((await result(ctx.app, bad)).statusCode, 400, bad);
      }
    });

    test('400 for a missing, empty, blank, too long or mistyped field', async () => {
      const long = 'x'.repeat(1001);
      for (const body of [
        {},
        { advertiser_name: 'A' },
        { ad_title: 'T' },
        { advertiser_name: '', ad_title: 'T' },
        { advertiser_name: 'A', ad_title: '' },
        { advertiser_name: long, ad_title: 'T' },
        { advertiser_name: 'A', ad_title: long },
        { advertiser_name: 1, ad_title: 'T' },
        { advertiser_name: 'A', ad_title: null },
        [],
      ]) {
        const res = await generate(ctx.app, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.ok(json<{ detail: unknown }>(res).detail);
      }
      const blank = await generate(ctx.app, { advertiser_name: '   ', ad_title: 'T' });
      assert.deepEqual(json(blank), { detail: "advertiser_name can't be blank." });
      assert.equal(
        (await generate(ctx.app, { advertiser_name: 'A', ad_title: 'x'.repeat(1000) })).statusCode,
        200,
      );
    });

    test('LLM failures: retried, then FAILURE with the reason; a refused key fails at once', async (t) => {
      let calls = 0;
      const answer = (): ChatAnswer => {
        calls++;
        return { status: 500, body: '{"error":{"message":"model crashed"}}' };
      };
      const { app } = await appWithLlm(t, answer, { QUEUE_ATTEMPTS: '3' });
      const task = json<Task>(await generate(app, { advertiser_name: 'A', ad_title: 'T' }));
      const failed = await pollTask(app, task.task_id);
      assert.equal(failed.status, 'FAILURE');
      assert.equal(failed.result, null);
      assert.match(failed.error ?? '', /LLM endpoint answered HTTP 500: model crashed/);
      assert.equal(calls, 3, 'one call per queue attempt');

      const refused = await appWithLlm(t, () => ({ reply: 'never' }), { LLM_API_KEY: 'wrong-key' });
      const refusedTask = json<Task>(await generate(refused.app, { advertiser_name: 'A', ad_title: 'T' }));
      const refusedDone = await pollTask(refused.app, refusedTask.task_id);
      assert.equal(refusedDone.status, 'FAILURE');
      assert.match(refusedDone.error ?? '', /HTTP 401/);
      assert.equal(refused.server.requests.length, 1, 'not retried');
    });

    test('a flaky LLM: RETRY is reported with its reason, then SUCCESS', async (t) => {
      const { app } = await appWithLlm(
        t,
        (_, i) =>
          i === 0 ? { status: 503, body: 'overloaded' } : { reply: 'Second time lucky!', delayMs: 200 },
        { QUEUE_BACKOFF_MS: '50' },
      );
      const task = json<Task>(await generate(app, { advertiser_name: 'A', ad_title: 'T' }));
      let sawRetry = false;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const current = json<Task>(await result(app, task.task_id));
        if (current.status === 'RETRY' || (current.status === 'STARTED' && current.error)) {
          sawRetry = true;
          assert.match(current.error ?? '', /HTTP 503/);
        }
        if (current.status === 'SUCCESS') {
          assert.equal(current.result, 'Second time lucky!');
          break;
        }
        assert.ok(Date.now() < deadline, `still ${current.status}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(sawRetry, 'RETRY was visible between attempts');
    });
  });

  test('an accepted task survives an API restart and completes once a worker runs', async (t) => {
    // Embedded: a file database; with DATABASE_URL: one PostgreSQL database; with REDIS_URL: one
    // BullMQ prefix (not a per-app test prefix, which closing the first app would drop).
    const env: Record<string, string> = { QUEUE_KEY_PREFIX: `adnova:restart:${randomUUID()}:queue` };
    if (usingPostgres) {
      const database = await createTestDatabase();
      t.after(() => database.drop());
      env.DATABASE_URL = database.url;
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'adnova-restart-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      env.DATABASE_URL = `file://${join(dir, 'pglite')}`;
    }
    const api = await startTestApp({ ...env, ADNOVA_ROLES: 'api' });
    const task = json<Task>(await generate(api.app, { advertiser_name: 'Nova Coffee', ad_title: 'Restart' }));
    assert.equal(json<Task>(await result(api.app, task.task_id)).status, 'PENDING');
    const health = json<Record<string, string>>(
      await api.app.inject({ method: 'GET', url: '/health?format=json' }),
    );
    assert.match(health.queue_workers ?? '', /no worker/);
    await api.close();

    const both = await startTestApp(env);
    t.after(async () => {
      await both.close();
      if (process.env.REDIS_URL) {
        const redis = new Redis(process.env.REDIS_URL);
        const keys = await redis.keys(`${env.QUEUE_KEY_PREFIX}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
    });
    const done = await pollTask(both.app, task.task_id);
    assert.equal(done.status, 'SUCCESS');
    assert.match(done.result ?? '', /Nova Coffee/);
  });
});
