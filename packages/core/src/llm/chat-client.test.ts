import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API_KEY, type ChatAnswer, type ChatRequest, startChatServer } from '@adnova/test-utils/chat-server';
import { createChatClient } from './chat-client.ts';
import { LlmError } from './llm.ts';

const ok = (reply: string): ChatAnswer => ({ reply });

async function clientFor(
  t: { after(fn: () => Promise<void>): void },
  answer: (request: ChatRequest, index: number) => ChatAnswer,
  overrides: Partial<Parameters<typeof createChatClient>[0]> = {},
) {
  const server = await startChatServer(answer);
  t.after(() => server.close());
  const client = createChatClient({
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    model: 'test-model',
    timeoutMs: 2000,
    maxRetries: 2,
    retryBackoffMs: 5,
    ...overrides,
  });
  return { server, client };
}

const ask = { temperature: 0.5, maxTokens: 50 };

describe('OpenAI-compatible chat client against a local chat-completions server', () => {
  test('sends model, messages, settings and the Bearer key; returns choices[0].message.content', async (t) => {
    const { server, client } = await clientFor(t, () => ok('Привет!'));
    const reply = await client.complete([{ role: 'user', content: 'Скажи привет' }], ask);
    assert.equal(reply, 'Привет!');
    const [request] = server.requests;
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(request?.body, {
      model: 'test-model',
      messages: [{ role: 'user', content: 'Скажи привет' }],
      temperature: 0.5,
      max_tokens: 50,
      stream: false,
    });
  });

  test('429 and 500 are retried with backoff, then the answer comes through', async (t) => {
    const { server, client } = await clientFor(t, (_, i) =>
      i === 0
        ? { status: 429, body: '{"error":{"message":"slow down"}}', headers: { 'retry-after': '0' } }
        : i === 1
          ? { status: 500, body: 'boom' }
          : ok('third time lucky'),
    );
    assert.equal(await client.complete([{ role: 'user', content: 'x' }], ask), 'third time lucky');
    assert.equal(server.requests.length, 3);
  });

  test('retries are bounded: the last error is reported with its status and message', async (t) => {
    const { server, client } = await clientFor(t, () => ({
      status: 503,
      body: '{"error":{"message":"model overloaded"}}',
    }));
    const error = await client.complete([{ role: 'user', content: 'x' }], ask).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'http');
    assert.equal(error.status, 503);
    assert.equal(error.retryable, true);
    assert.match(error.message, /HTTP 503: model overloaded/);
    assert.equal(server.requests.length, 3);
  });

  test('a refused key (401) fails at once and is not retryable', async (t) => {
    const { server, client } = await clientFor(t, () => ok('never'), { apiKey: 'wrong' });
    const error = await client.complete([{ role: 'user', content: 'x' }], ask).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.match(error.message, /Incorrect API key/);
    assert.equal(server.requests.length, 1);
  });

  test('a slow answer times out (and is retried, then reported as a timeout)', async (t) => {
    const { server, client } = await clientFor(t, () => ({ reply: 'late', delayMs: 500 }), {
      timeoutMs: 100,
      maxRetries: 1,
    });
    const error = await client.complete([{ role: 'user', content: 'x' }], ask).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /within 100 ms/);
    assert.equal(server.requests.length, 2);
  });

  test('a timeout followed by a fast answer succeeds', async (t) => {
    const { client } = await clientFor(
      t,
      (_, i) => (i === 0 ? { reply: 'late', delayMs: 400 } : ok('fast')),
      {
        timeoutMs: 100,
      },
    );
    assert.equal(await client.complete([{ role: 'user', content: 'x' }], ask), 'fast');
  });

  test('no server listening: a network error naming the cause', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = await startChatServer(() => ok('x'));
    await server.close();
    const client = createChatClient({
      baseUrl: server.baseUrl,
      apiKey: undefined,
      model: 'm',
      timeoutMs: 1000,
      maxRetries: 1,
      retryBackoffMs: 1,
    });
    const error = await client.complete([{ role: 'user', content: 'x' }], ask).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'network');
    assert.match(error.message, /unreachable \(ECONNREFUSED\)/);
  });

  test('malformed answers are invalid responses, not crashes', async (t) => {
    const { client } = await clientFor(
      t,
      (_, i) =>
        [
          { status: 200, body: 'not json' },
          { status: 200, body: '{"choices":[]}' },
          {
            status: 200,
            body: '{"choices":[{"message":{"content":[{"type":"text","text":"parts "},{"type":"text","text":"joined"}]}}]}',
          },
        ][i] ?? ok('unused'),
      { maxRetries: 0 },
    );
    for (const expected of [/invalid JSON/, /no choices\[0\]\.message\.content/]) {
      const error = await client.complete([{ role: 'user', content: 'x' }], ask).catch((e: unknown) => e);
      assert.ok(error instanceof LlmError && error.kind === 'invalid_response');
      assert.match(error.message, expected);
    }
    assert.equal(await client.complete([{ role: 'user', content: 'x' }], ask), 'parts joined');
  });

  test('an aborted call stops at once and is reported as aborted', async (t) => {
    const { client } = await clientFor(t, () => ({ reply: 'late', delayMs: 1000 }));
    const controller = new AbortController();
    const pending = client.complete([{ role: 'user', content: 'x' }], { ...ask, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'aborted');
  });
});
