/**
 * The offline moderator: word lists and phrase rules (`moderation-rules.yaml`) for the three rules of the moderation prompt
 * (spec §7.3) — profanity (Russian mat and its stems, English swearing, insults), threats
 * (violence, blackmail, bullying) and discrimination (ethnic and homophobic slurs, racist,
 * xenophobic and sexist phrases) — in Russian and English. It sees through the usual disguises:
 * letters masked with symbols (с*ка, f*ck, бл@дь), digits for letters (3а, sh1t), Latin letters
 * inside Cyrillic words and back (cука, fuсk), spaced or dotted letters (х у й, f.u.c.k) and
 * stretched letters (суууука). Words match whole or by stem from the start of a word, never inside
 * another word, so Scunthorpe, assassin, хлеба and застрахуем stay clean.
 */

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type ModerationCategory = 'profanity' | 'threat' | 'discrimination';
export type ModerationMatch = { category: ModerationCategory; rule: string };
export type ModerationResult = { flagged: boolean; matches: ModerationMatch[] };

/** Stands for a masked letter (`*`, `#`, `@`…) in a normalised word. */
const MASK = '*';

// Homoglyphs: letters that look alike across the two scripts.
const LATIN_TO_CYRILLIC: Record<string, string> = {
  a: 'а',
  b: 'в',
  c: 'с',
  e: 'е',
  h: 'н',
  k: 'к',
  m: 'м',
  n: 'п',
  o: 'о',
  p: 'р',
  r: 'г',
  t: 'т',
  u: 'и',
  x: 'х',
  y: 'у',
  z: 'з',
};
const CYRILLIC_TO_LATIN: Record<string, string> = {
  а: 'a',
  в: 'b',
  г: 'r',
  е: 'e',
  и: 'u',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
};
// Digits and symbols written for letters, per script; other symbols inside a word are masks.
const LEET_LATIN: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  $: 's',
  '!': 'i',
  '|': 'l',
};
const LEET_CYRILLIC: Record<string, string> = { '0': 'о', '3': 'з', '4': 'ч', '6': 'б', $: 'с' };
const MASK_CHARS = new Set(['*', '#', '@', '%', '&', '?', '_']);
/** Cyrillic letters with no Latin look-alike: one of them makes a word Cyrillic. */
const ONLY_CYRILLIC = /[бгджзийлфцчшщъыьэюя]/u;

const isCyrillic = (c: string) => /\p{Script=Cyrillic}/u.test(c);
const isLatin = (c: string) => /\p{Script=Latin}/u.test(c);

/** One word, normalised into a single script; masked letters become MASK. */
function normaliseWord(raw: string): string | undefined {
  const word = raw.replace(/^[!|?_]+|[!|?_.]+$/g, '');
  let cyrillic = 0;
  let latin = 0;
  for (const c of word) {
    if (isCyrillic(c)) cyrillic++;
    else if (isLatin(c)) latin++;
  }
  if (cyrillic + latin === 0) return undefined;
  const toCyrillic = ONLY_CYRILLIC.test(word) || cyrillic >= latin;
  let out = '';
  for (const c of word) {
    if (toCyrillic ? isCyrillic(c) : isLatin(c)) out += c;
    else if (isCyrillic(c) || isLatin(c))
      out += (toCyrillic ? LATIN_TO_CYRILLIC[c] : CYRILLIC_TO_LATIN[c]) ?? c;
    else
      out +=
        (toCyrillic ? LEET_CYRILLIC[c] : LEET_LATIN[c]) ??
        (MASK_CHARS.has(c) || c === '!' || c === '|' ? MASK : c);
  }
  return out;
}

/** The word with runs of 3+ equal letters cut to one and to two (суууука, fuuuck, asss). */
function stretchVariants(word: string): string[] {
  const one = word.replace(/(\p{L})\1{2,}/gu, '$1');
  const two = word.replace(/(\p{L})\1{2,}/gu, '$1$1');
  return [...new Set([word, one, two])];
}

/**
 * Lowercases, folds ё, drops invisible characters and joins letters written apart (х у й, f.u.c.k,
 * с-у-к-а), then splits into normalised words.
 */
export function normaliseText(text: string): string[] {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\u00AD\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(
      /(?<![\p{L}\p{N}*@$#])(?:[\p{L}\p{N}*@$#][ .\-_·•]+){2,}[\p{L}\p{N}*@$#](?![\p{L}\p{N}*@$#])/gu,
      (spaced) => spaced.replace(/[ .\-_·•]+/g, ''),
    );
  const words: string[] = [];
  for (const raw of folded.match(/[\p{L}\p{N}*@$#%&!|?_]+/gu) ?? []) {
    const word = normaliseWord(raw);
    if (word) words.push(word);
  }
  return words;
}

/**
 * Does `word` read as `form` at `offset`? A masked letter matches any letter, but a match needs at
 * least two real letters and no more masks than real letters.
 */
function readsAs(word: string, form: string, offset: number): boolean {
  if (offset + form.length > word.length) return false;
  let real = 0;
  let masks = 0;
  for (let i = 0; i < form.length; i++) {
    const c = word[offset + i];
    if (c === form[i]) real++;
    else if (c === MASK) masks++;
    else return false;
  }
  return real >= 2 && masks <= real;
}

type WordRule = {
  rule: string;
  category: ModerationCategory;
  /** `word`: the whole word is a form; `stem`: the word starts with a form (after a prefix). */
  mode: 'word' | 'stem';
  forms: string[];
  /** Prefixes a stem may follow (Russian verbal prefixes: на-хуй, за-ебал); default none. */
  prefixes?: string[];
  /** Clean words that start like a stem. */
  except?: string[];
};

/** The rule file as written: prefixes by name, phrases with {NAME} placeholders. */
type RuleFile = {
  prefixes: Record<string, string[]>;
  words: (Omit<WordRule, 'prefixes'> & { prefixes?: string | string[] })[];
  vocabulary: Record<string, string>;
  phrases: { rule: string; category: ModerationCategory; pattern: string }[];
};

const RULES = parse(readFileSync(new URL('./moderation-rules.yaml', import.meta.url), 'utf8')) as RuleFile;

const WORD_RULES: WordRule[] = RULES.words.map(({ prefixes, ...rule }) => {
  if (prefixes === undefined) return rule;
  const list = typeof prefixes === 'string' ? RULES.prefixes[prefixes] : prefixes;
  if (!list) throw new Error(`moderation-rules.yaml: rule ${rule.rule} names unknown prefixes "${prefixes}"`);
  return { ...rule, prefixes: list };
});

function matchesWord(word: string, rule: WordRule): boolean {
  if (rule.except?.some((e) => word.startsWith(e))) return false;
  if (rule.mode === 'word') return rule.forms.some((f) => f.length === word.length && readsAs(word, f, 0));
  for (const prefix of rule.prefixes ?? ['']) {
    if (prefix !== '' && !readsAsPrefix(word, prefix)) continue;
    if (rule.forms.some((f) => readsAs(word, f, prefix.length))) return true;
  }
  return false;
}

/** A prefix must be spelled out (a masked prefix would make every stem match anywhere). */
function readsAsPrefix(word: string, prefix: string): boolean {
  return word.startsWith(prefix);
}

type PhraseRule = { rule: string; category: ModerationCategory; pattern: RegExp };

/** Builds a phrase rule over normalised words joined by single spaces; `\b` means a word edge. */
const phrase = (rule: string, category: ModerationCategory, source: string): PhraseRule => ({
  rule,
  category,
  pattern: new RegExp(source.replaceAll('\\b', '(?:(?<![\\p{L}*])|(?![\\p{L}*]))'), 'u'),
});

/** Replaces each {NAME} by the vocabulary entry NAME, itself expanded (entries may use others). */
function expand(source: string, depth = 0): string {
  if (depth > 5) throw new Error('moderation-rules.yaml: vocabulary entries refer to each other in a loop');
  return source.replace(/\{([A-Z_]+)\}/g, (_, name: string) => {
    const entry = RULES.vocabulary[name];
    if (entry === undefined) throw new Error(`moderation-rules.yaml: unknown vocabulary entry {${name}}`);
    return expand(entry, depth + 1);
  });
}

const PHRASE_RULES: PhraseRule[] = RULES.phrases.map((r) => phrase(r.rule, r.category, expand(r.pattern)));

/**
 * Judges one text by the built-in rules. `flagged` when any rule matches; `matches` names them
 * (for tests and logs).
 */
export function moderateText(text: string): ModerationResult {
  const words = normaliseText(text);
  const matches: ModerationMatch[] = [];
  const seen = new Set<string>();
  const add = (rule: string, category: ModerationCategory) => {
    if (seen.has(rule)) return;
    seen.add(rule);
    matches.push({ category, rule });
  };
  for (const word of words) {
    const variants = stretchVariants(word);
    for (const rule of WORD_RULES) {
      if (!seen.has(rule.rule) && variants.some((v) => matchesWord(v, rule))) add(rule.rule, rule.category);
    }
  }
  const joined = words.join(' ');
  for (const rule of PHRASE_RULES) if (rule.pattern.test(joined)) add(rule.rule, rule.category);
  return { flagged: matches.length > 0, matches };
}
