import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The LLM prompts: `generateAdText` is a template with `{advertiser_name}` and `{ad_title}`
 * placeholders, sent as the user message; `moderation` is the system message, the text to judge
 * being the user message. The defaults are the seed's Russian prompts (spec §7.2, §7.3).
 */
export type Prompts = { generateAdText: string; moderation: string };

export const PROMPT_FILES: Record<keyof Prompts, string> = {
  generateAdText: 'generate-ad-text.txt',
  moderation: 'moderation.txt',
};
const PLACEHOLDERS = ['{advertiser_name}', '{ad_title}'] as const;
const DEFAULTS_DIR = fileURLToPath(new URL('./prompts/', import.meta.url));

/**
 * Reads the prompts once at start: each file in `overrideDir` (`LLM_PROMPTS_DIR`) replaces the
 * built-in file of the same name; missing files keep the default.
 * @throws Error naming the file when a prompt is empty or the generation template lacks a placeholder.
 */
export function loadPrompts(overrideDir?: string): Prompts {
  const read = (name: string): string => {
    const override = overrideDir ? join(overrideDir, name) : undefined;
    const path = override && existsSync(override) ? override : join(DEFAULTS_DIR, name);
    const text = readFileSync(path, 'utf8').trim();
    if (text === '') throw new Error(`LLM prompt file ${path} is empty`);
    return text;
  };
  const prompts: Prompts = {
    generateAdText: read(PROMPT_FILES.generateAdText),
    moderation: read(PROMPT_FILES.moderation),
  };
  const missing = PLACEHOLDERS.filter((p) => !prompts.generateAdText.includes(p));
  if (missing.length > 0) {
    throw new Error(`LLM prompt ${PROMPT_FILES.generateAdText} must contain ${missing.join(' and ')}`);
  }
  return prompts;
}

/** Fills the generation template in one pass, so values are never themselves substituted. */
export function renderAdTextPrompt(
  template: string,
  values: { advertiserName: string; adTitle: string },
): string {
  return template.replace(/\{(advertiser_name|ad_title)\}/g, (_, key: string) =>
    key === 'advertiser_name' ? values.advertiserName : values.adTitle,
  );
}
