import type { LlmConfig } from '../config.ts';
import type { Llm } from './llm.ts';
import { createOfflineLlm } from './offline.llm.ts';
import { createOpenAiLlm } from './openai.llm.ts';
import { loadPrompts } from './prompts.ts';

/**
 * The LLM provider chosen by config: OpenAI-compatible when `LLM_BASE_URL` is set (its prompts
 * are read here, once, so a broken prompt file stops the start), offline otherwise.
 */
export function createLlm(config: LlmConfig): Llm {
  return config.kind === 'openai'
    ? createOpenAiLlm(config, loadPrompts(config.promptsDir))
    : createOfflineLlm();
}
