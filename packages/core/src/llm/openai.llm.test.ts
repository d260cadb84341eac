import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { API_KEY, type ChatAnswer, type ChatRequest, startChatServer } from '@adnova/test-utils/chat-server';
import { createLlm } from './llm.factory.ts';
import { LlmError } from './llm.ts';
import { loadPrompts, renderAdTextPrompt } from './prompts.ts';

async function llmFor(
  t: { after(fn: () => Promise<void>): void },
  answer: (request: ChatRequest, index: number) => ChatAnswer,
  promptsDir?: string,
) {
  const server = await startChatServer(answer);
  t.after(() => server.close());
  const llm = createLlm({
    kind: 'openai',
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    model: 'yandexgpt-lite',
    timeoutMs: 2000,
    maxRetries: 1,
    retryBackoffMs: 5,
    promptsDir,
  });
  return { server, llm };
}

const userText = (request: ChatRequest | undefined) => request?.body.messages?.at(-1)?.content ?? '';

describe('OpenAI-compatible provider against a local chat-completions server', () => {
  test("generation sends the seed's prompt with the names filled in, and cleans the reply", async (t) => {
    const { server, llm } = await llmFor(t, () => ({
      reply: '  **Заголовок:** "Кофе мечты"\n\nУтро начинается с Nova Coffee.\nЗакажите сегодня!  ',
    }));
    const text = await llm.generateAdText({ advertiserName: 'Nova Coffee', adTitle: 'Утренний кофе' });
    assert.equal(text, 'Заголовок: Кофе мечты Утро начинается с Nova Coffee. Закажите сегодня!');
    const request = server.requests[0];
    assert.equal(request?.body.model, 'yandexgpt-lite');
    assert.equal(request?.body.temperature, 1);
    assert.equal(request?.body.max_tokens, 400);
    assert.equal(request?.body.messages?.length, 1);
    const prompt = userText(request);
    assert.match(prompt, /^Сгенерируй креативный рекламный текст для рекламодателя: "Nova Coffee"/);
    assert.match(prompt, /с названием: "Утренний кофе"/);
    assert.match(prompt, /Длина: 3-6 коротких предложений/);
    assert.doesNotMatch(prompt, /\{advertiser_name\}|\{ad_title\}/);
  });

  test('moderation sends the system prompt and the text, and reads the verdict', async (t) => {
    const { server, llm } = await llmFor(t, (request) => {
      const text = userText(request);
      if (text.includes('угроза')) return { reply: 'True.' };
      if (text.includes('поиск')) {
        return {
          reply:
            'В интернете есть много сайтов с информацией на эту тему. [Посмотрите, что нашлось в поиске](https://ya.ru)',
        };
      }
      if (text.includes('refuse')) return { reply: "I'm sorry, I can't help with that request." };
      return { reply: 'false' };
    });
    assert.equal(await llm.isViolation('Скидки на сухарики'), false);
    assert.equal(await llm.isViolation('Это угроза'), true);
    assert.equal(await llm.isViolation('Текст про поиск'), true);
    assert.equal(await llm.isViolation('please refuse'), true);
    const request = server.requests[0];
    assert.equal(request?.body.temperature, 0.1);
    assert.equal(request?.body.max_tokens, 500);
    assert.equal(request?.body.messages?.[0]?.role, 'system');
    assert.match(request?.body.messages?.[0]?.content ?? '', /^Ты — строгий AI-модератор контента/);
    assert.deepEqual(request?.body.messages?.[1], { role: 'user', content: 'Скидки на сухарики' });
  });

  test('an empty reply is an invalid response (retryable), never a verdict', async (t) => {
    const { llm } = await llmFor(t, () => ({ reply: '   ' }));
    for (const call of [
      () => llm.isViolation('x'),
      () => llm.generateAdText({ advertiserName: 'a', adTitle: 'b' }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      assert.ok(
        error instanceof LlmError && error.kind === 'invalid_response' && error.retryable,
        String(error),
      );
    }
  });

  test('ping: one cheap request, cached; failures are reported', async (t) => {
    const { server, llm } = await llmFor(t, () => ({ reply: 'p' }));
    await llm.ping();
    await llm.ping();
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]?.body.max_tokens, 1);
    const down = await llmFor(t, () => ({ status: 500, body: 'down' }));
    await assert.rejects(down.llm.ping(), /HTTP 500/);
  });

  test('prompt files: LLM_PROMPTS_DIR overrides per file; a template without placeholders stops the start', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'adnova-prompts-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'generate-ad-text.txt'), 'Write an ad for {advertiser_name}: {ad_title}.\n');
    const prompts = loadPrompts(dir);
    assert.equal(prompts.generateAdText, 'Write an ad for {advertiser_name}: {ad_title}.');
    assert.match(prompts.moderation, /строгий AI-модератор/);
    assert.equal(
      renderAdTextPrompt(prompts.generateAdText, { advertiserName: '{ad_title}', adTitle: 'Sale' }),
      'Write an ad for {ad_title}: Sale.',
      'values are not substituted again',
    );
    const { server, llm } = await llmFor(t, () => ({ reply: 'ok' }), dir);
    await llm.generateAdText({ advertiserName: 'Acme', adTitle: 'Sale' });
    assert.equal(userText(server.requests[0]), 'Write an ad for Acme: Sale.');
    await writeFile(join(dir, 'generate-ad-text.txt'), 'Write an ad.');
    assert.throws(() => loadPrompts(dir), /must contain \{advertiser_name\} and \{ad_title\}/);
    await writeFile(join(dir, 'moderation.txt'), '  \n');
    assert.throws(() => loadPrompts(dir), /is empty/);
  });
});
