import type { LlmConfig } from '../config.ts';
import { cleanAdText } from './ad-text.ts';
import { type ChatClient, createChatClient } from './chat-client.ts';
import { type Llm, LlmError } from './llm.ts';
import { parseModerationVerdict } from './moderation-verdict.ts';
import { type Prompts, renderAdTextPrompt } from './prompts.ts';

/** The seed's model settings (spec §7.2, §7.3). */
const GENERATION = { temperature: 1.0, maxTokens: 400 };
const MODERATION = { temperature: 0.1, maxTokens: 500 };
/** `/health` allows 3 s per check; a cached answer spares the endpoint a call per probe. */
const PING_TIMEOUT_MS = 2500;
const PING_CACHE_MS = 60_000;

/** The LLM provider over an OpenAI-compatible chat-completions endpoint. */
export function createOpenAiLlm(
  config: LlmConfig & { kind: 'openai' },
  prompts: Prompts,
  client: ChatClient = createChatClient(config),
): Llm {
  let lastPing: { at: number; error?: unknown } | undefined;
  let pinging: Promise<void> | undefined;

  const reply = async (text: string, what: string): Promise<string> => {
    if (text.trim() === '') throw new LlmError('invalid_response', `LLM returned an empty ${what}`, true);
    return text;
  };

  return {
    provider: 'openai',

    async generateAdText(input, signal) {
      const prompt = renderAdTextPrompt(prompts.generateAdText, input);
      const answer = await client.complete([{ role: 'user', content: prompt }], { ...GENERATION, signal });
      return reply(cleanAdText(answer), 'ad text');
    },

    async isViolation(text, signal) {
      const answer = await client.complete(
        [
          { role: 'system', content: prompts.moderation },
          { role: 'user', content: text },
        ],
        { ...MODERATION, signal },
      );
      return parseModerationVerdict(await reply(answer, 'moderation answer'));
    },

    async ping() {
      if (lastPing && Date.now() - lastPing.at < PING_CACHE_MS) {
        if (lastPing.error) throw lastPing.error;
        return;
      }
      pinging ??= client
        .complete([{ role: 'user', content: 'ping' }], {
          temperature: 0,
          maxTokens: 1,
          timeoutMs: PING_TIMEOUT_MS,
          maxRetries: 0,
        })
        .then(
          () => {
            lastPing = { at: Date.now() };
          },
          (error: unknown) => {
            lastPing = { at: Date.now(), error };
          },
        )
        .finally(() => {
          pinging = undefined;
        });
      await pinging;
      if (lastPing?.error) throw lastPing.error;
    },
  };
}
