import type { LlmConfig } from '../config.ts';
import { LlmError } from './llm.ts';

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** The OpenAI-compatible endpoint settings of `LlmConfig` (`LLM_*` variables). */
export type ChatClientConfig = Omit<Extract<LlmConfig, { kind: 'openai' }>, 'kind' | 'promptsDir'>;

export type ChatOptions = {
  temperature: number;
  maxTokens: number;
  signal?: AbortSignal | undefined;
  /** Overrides the configured timeout and retries (the health check wants one quick try). */
  timeoutMs?: number;
  maxRetries?: number;
};

/** One chat completion: the assistant's reply text. Throws `LlmError`. */
export type ChatClient = { complete(messages: ChatMessage[], options: ChatOptions): Promise<string> };

/** The longest wait a server's Retry-After may impose between two tries. */
const MAX_RETRY_AFTER_MS = 30_000;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmError('aborted', 'LLM request aborted', true));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LlmError('aborted', 'LLM request aborted', true));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The message of an OpenAI-style error body (`{"error": {"message": …}}`), or the raw text. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : undefined;
    if (message) return message.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 300) || '(empty body)';
}

/** `choices[0].message.content`, as a string or as a list of text parts (some servers). */
function replyText(body: unknown): string | undefined {
  const choice = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choice) || choice.length === 0) return undefined;
  const content = (choice[0] as { message?: { content?: unknown } })?.message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts = content
      .map((p) => (typeof p === 'string' ? p : (p as { text?: unknown })?.text))
      .filter((t): t is string => typeof t === 'string');
    return parts.length > 0 ? parts.join('') : undefined;
  }
  return undefined;
}

/**
 * A client of the OpenAI chat-completions protocol (`POST {baseUrl}/chat/completions`), which
 * YandexGPT's compatible endpoint, OpenAI, vLLM and Ollama all speak. Each try has a timeout;
 * 429, 5xx, network errors and timeouts are retried with exponential backoff (or the server's
 * Retry-After); other errors fail at once.
 */
export function createChatClient(config: ChatClientConfig, fetchImpl: typeof fetch = fetch): ChatClient {
  const endpoint = `${config.baseUrl}/chat/completions`;

  type Outcome = { reply: string } | { reply?: undefined; error: LlmError; retryAfter?: number | undefined };

  async function once(messages: ChatMessage[], options: ChatOptions, timeoutMs: number): Promise<Outcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const failed = (error: unknown): LlmError => {
      if (error instanceof LlmError) return error;
      if (options.signal?.aborted) return new LlmError('aborted', 'LLM request aborted', true);
      if (timeout.aborted) return new LlmError('timeout', `LLM did not answer within ${timeoutMs} ms`, true);
      const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
      const reason =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error instanceof Error
              ? error.message
              : String(error);
      return new LlmError('network', `LLM endpoint unreachable (${reason})`, true);
    };
    try {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: config.model,
          messages,
          temperature: options.temperature,
          max_tokens: options.maxTokens,
          stream: false,
        }),
        signal,
      });
      const text = await response.text();
      if (!response.ok) {
        const status = response.status;
        const retryable = status === 429 || status === 408 || status >= 500;
        const error = new LlmError(
          'http',
          `LLM endpoint answered HTTP ${status}: ${errorDetail(text)}`,
          retryable,
          status,
        );
        return { error, retryAfter: retryAfterMs(response.headers.get('retry-after')) };
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { error: new LlmError('invalid_response', 'LLM endpoint answered with invalid JSON', true) };
      }
      const reply = replyText(body);
      if (reply === undefined) {
        return {
          error: new LlmError('invalid_response', 'LLM answer has no choices[0].message.content', true),
        };
      }
      return { reply };
    } catch (error) {
      return { error: failed(error) };
    }
  }

  return {
    async complete(messages, options) {
      const retries = options.maxRetries ?? config.maxRetries;
      const timeoutMs = options.timeoutMs ?? config.timeoutMs;
      for (let attempt = 0; ; attempt++) {
        const outcome = await once(messages, options, timeoutMs);
        if (outcome.reply !== undefined) return outcome.reply;
        const error = outcome.error;
        if (!error.retryable || error.kind === 'aborted' || attempt >= retries) throw error;
        await sleep(outcome.retryAfter ?? config.retryBackoffMs * 2 ** attempt, options.signal);
      }
    },
  };
}
