import type { AdTextInput } from './llm.ts';

export type AdLanguage = 'ru' | 'en';

type Parts = { brand: string; title: string };
type Template = (p: Parts) => string;

/**
 * Russian copy names the advertiser through a declined generic noun ("от компании «Ромашка»"),
 * because a brand name itself cannot be declined by a template; the nominative stands alone.
 */
const RU = {
  headlines: [
    (p) => `${p.brand} представляет: ${p.title}!`,
    (p) => `${p.title} — новая кампания от компании ${p.brand}!`,
    (p) => `Встречайте ${p.title} от компании ${p.brand}!`,
    (p) => `${p.title}: время выбирать лучшее вместе с компанией ${p.brand}!`,
  ],
  body: [
    () => 'Мы собрали всё лучшее, чтобы вы получили больше за свои деньги.',
    (p) => `Тысячи клиентов уже доверяют компании ${p.brand} — присоединяйтесь и вы.`,
    () => 'Только проверенное качество, честные цены и внимание к каждой детали.',
    () => 'Всё продумано так, чтобы вам было удобно и выгодно.',
    () => 'Предложение ограничено по времени, так что не откладывайте.',
    (p) => `${p.title} — это выгода, которую вы почувствуете с первого дня.`,
  ],
  calls: [
    () => 'Узнайте подробности и воспользуйтесь предложением уже сегодня!',
    () => 'Переходите по ссылке и выбирайте лучшее прямо сейчас!',
    () => 'Оставьте заявку сегодня и получите больше, чем ожидаете!',
    () => 'Не упустите свой шанс — присоединяйтесь прямо сейчас!',
  ],
} satisfies Record<string, Template[]>;

const EN = {
  headlines: [
    (p) => `${p.brand} presents ${p.title}!`,
    (p) => `Discover ${p.title} from ${p.brand}!`,
    (p) => `${p.title} by ${p.brand}: made for people who want more!`,
    (p) => `Meet ${p.title}, the new campaign from ${p.brand}!`,
  ],
  body: [
    () => 'We packed in everything you need, so you get more for your money.',
    (p) => `Thousands of customers already trust ${p.brand}, and now it is your turn.`,
    () => 'Proven quality, honest prices and attention to every detail.',
    () => 'Every detail is designed to make your day easier.',
    () => 'The offer is available for a limited time only, so do not wait.',
    (p) => `${p.title} is the upgrade you will notice from day one.`,
  ],
  calls: [
    () => 'Learn more and claim your offer today!',
    () => 'Click through and make the smart choice now!',
    () => 'Sign up today and get more than you expect!',
    () => 'Do not miss out: join now!',
  ],
} satisfies Record<string, Template[]>;

/** FNV-1a: a stable 32-bit hash, so the same input always gets the same text. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const letters = (text: string, script: RegExp) => (text.match(script) ?? []).length;

/** Russian when the title (or, without letters in it, the name) is mostly Cyrillic. */
export function detectLanguage(input: AdTextInput): AdLanguage {
  const decide = (text: string): AdLanguage | undefined => {
    const cyrillic = letters(text, /\p{Script=Cyrillic}/gu);
    const latin = letters(text, /\p{Script=Latin}/gu);
    if (cyrillic === 0 && latin === 0) return undefined;
    return cyrillic >= latin ? 'ru' : 'en';
  };
  return decide(input.adTitle) ?? decide(input.advertiserName) ?? 'en';
}

/** Collapses whitespace, drops surrounding quotes and double quotes inside (spec §7.2). */
function tidy(text: string): string {
  return text
    .replace(/["\u201C\u201D\u201E]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[«'‘]+|[»'’]+$/g, '')
    .trim();
}

/**
 * The offline ad-text generator: a deterministic ad in the language of the campaign title, built
 * like the prompt asks (spec §7.2) — a headline naming the advertiser and the campaign, two or
 * three body sentences, a call to action — 4–5 sentences on one line, without double quotes.
 * Different inputs pick different phrasings; the same input always gives the same text.
 */
export function composeAdText(input: AdTextInput): string {
  const language = detectLanguage(input);
  const name = tidy(input.advertiserName) || input.advertiserName.trim();
  const title = tidy(input.adTitle).replace(/[.!?…\s]+$/u, '') || input.adTitle.trim();
  const parts: Parts =
    language === 'ru'
      ? {
          // Latin brand names read naturally unquoted in Russian; Cyrillic ones go in «».
          brand: /\p{Script=Cyrillic}/u.test(name) ? `«${name}»` : name,
          title: `«${title}»`,
        }
      : { brand: name, title };
  const templates = language === 'ru' ? RU : EN;

  const h = hash(`${language}\u0000${name}\u0000${title}`);
  const pick = (list: Template[], shift: number) => list[(h >>> shift) % list.length] as Template;
  // A per-input shuffle of the body sentences; two or three of them, in that order.
  const body = templates.body
    .map((template, i) => ({ template, key: hash(`${h}:${i}`) }))
    .sort((a, b) => a.key - b.key)
    .slice(0, 2 + ((h >>> 20) % 2))
    .map((b) => b.template);
  return [pick(templates.headlines, 0), ...body, pick(templates.calls, 24)].map((t) => t(parts)).join(' ');
}
