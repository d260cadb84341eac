import type { LlmConfig } from '../config.ts';

export type AdTextInput = { advertiserName: string; adTitle: string };

/**
 * Text generation and moderation, from an OpenAI-compatible endpoint or the built-in offline
 * provider. Both methods may throw `LlmError`.
 */
export type Llm = {
  readonly provider: LlmConfig['kind'];
  /** An ad text for the campaign: headline, body and call to action, 3–6 short sentences, one line. */
  generateAdText(input: AdTextInput, signal?: AbortSignal): Promise<string>;
  /**
   * True when the text breaks a moderation rule (profanity, threats, discrimination; spec §7.3).
   * An evasive answer (a refusal to judge) counts as a violation.
   */
  isViolation(text: string, signal?: AbortSignal): Promise<boolean>;
  /** Resolves when the provider answers a trivial request (`/health`'s `llm`). */
  ping(): Promise<void>;
};

/**
 * Why an LLM call failed: `timeout` (no answer in time), `network` (no connection), `http` (an
 * error status; `status` says which), `invalid_response` (no usable text in the answer),
 * `aborted` (the caller gave up, e.g. at shutdown).
 */
export type LlmErrorKind = 'timeout' | 'network' | 'http' | 'invalid_response' | 'aborted';

/**
 * A failed LLM call. `retryable` is false for answers retrying cannot change (401, 403, 400…),
 * which the job queue then fails at once instead of retrying.
 */
export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}
