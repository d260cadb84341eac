import { type MessageKey as ThrottleMessageKey, t as throttleT } from '@adnova/ads-throttle';
import { en } from './en.ts';
import { ru } from './ru.ts';

/** The admin's languages (issue 6): English, the source, and Russian. */
export type Locale = 'en' | 'ru';
export const LOCALES: readonly Locale[] = ['en', 'ru'];

/** A message id of the admin's own catalogues; `ru.ts` must translate every one (a type error otherwise). */
export type MessageKey = keyof typeof en;

export type Params = Readonly<Record<string, string | number>>;

/** Translates admin messages (`t`) and the ads-throttle library's (`tt`) into one locale. */
export type Translator = {
  locale: Locale;
  t(key: MessageKey, params?: Params): string;
  tt(key: ThrottleMessageKey, params?: Params): string;
  /** A domain message (English, from `AppError`) in this locale, when the catalogue knows it. */
  domain(message: string): string;
};

const catalogues: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en, ru };

function fill(text: string, params: Params | undefined): string {
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

// Domain errors carry English messages; the `domain.*` entries of the catalogue translate them.
const domainKeys = new Map<string, MessageKey>(
  (Object.entries(en) as [MessageKey, string][])
    .filter(([key]) => key.startsWith('domain.'))
    .map(([k, v]) => [v, k]),
);

export function translator(locale: Locale): Translator {
  const catalogue = catalogues[locale];
  return {
    locale,
    t: (key, params) => fill(catalogue[key], params),
    tt: (key, params) => throttleT(locale, key, params),
    domain(message) {
      const key = domainKeys.get(message);
      return key === undefined ? message : catalogue[key];
    },
  };
}

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'ru';
}

/**
 * The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): highest q
 * first, then header order; `ru-RU` counts as `ru`. English when nothing matches.
 */
export function negotiateLocale(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return {
        base: tag.trim().toLowerCase().split('-')[0] ?? '',
        quality: Number.isFinite(quality) ? quality : 0,
        index,
      };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const entry of ranked) {
    if (isLocale(entry.base)) return entry.base;
    if (entry.base === '*') return 'en';
  }
  return 'en';
}
