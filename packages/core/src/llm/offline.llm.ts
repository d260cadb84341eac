import { composeAdText } from './ad-text-composer.ts';
import type { Llm } from './llm.ts';
import { moderateText } from './moderator.ts';

/**
 * The provider used when no LLM is configured, so embedded mode works end to end without a
 * network: the deterministic ad-text composer and the rule-based moderator. Always healthy.
 */
export function createOfflineLlm(): Llm {
  return {
    provider: 'offline',
    generateAdText: async (input) => composeAdText(input),
    isViolation: async (text) => moderateText(text).flagged,
    ping: async () => {},
  };
}
