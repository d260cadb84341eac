import type { Lang } from './i18n/i18n.ts';

/** Telegram's HTML parse mode reads the same escapes as a web page. */
export { escapeHtml } from '@adnova/core/shared/html';

const LOCALES: Record<Lang, string> = { en: 'en-US', ru: 'ru-RU' };

/** A count with the language's digit grouping: `12,345` / `12 345`. */
export const formatCount = (lang: Lang, value: number): string =>
  new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: 0 }).format(value);

/**
 * Money with two decimals, or with as many as needed (up to 9, the API's precision) for amounts
 * below a cent, so a price of 0.0005 does not read as 0.
 */
export function formatMoney(lang: Lang, value: number): string {
  const small = value !== 0 && Math.abs(value) < 0.01;
  return new Intl.NumberFormat(LOCALES[lang], {
    minimumFractionDigits: 2,
    maximumFractionDigits: small ? 9 : 2,
  }).format(value);
}

/** A conversion percentage as the API rounds it (2 decimals). */
export const formatPercent = (lang: Lang, value: number): string =>
  `${new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value)}%`;

/** Cuts text to `max` characters with an ellipsis (button labels, list lines). */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
