import { en, type Messages } from './en.ts';
import { ru } from './ru.ts';

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];
export const catalogues: Readonly<Record<Lang, Messages>> = { en, ru };

export const isLang = (value: unknown): value is Lang => value === 'en' || value === 'ru';

/**
 * The user's language: the one they chose with /language, otherwise Russian when their Telegram
 * app is in Russian (`from.language_code` `ru…`), otherwise English.
 */
export function pickLanguage(chosen: Lang | undefined, languageCode: string | undefined): Lang {
  if (chosen) return chosen;
  const code = languageCode?.toLowerCase().split('-')[0];
  return code === 'ru' ? 'ru' : 'en';
}

export type { Messages };
