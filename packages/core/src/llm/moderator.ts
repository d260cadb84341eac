/**
 * The offline moderator: word lists and phrase rules for the three rules of the moderation prompt
 * (spec §7.3) — profanity (Russian mat and its stems, English swearing, insults), threats
 * (violence, blackmail, bullying) and discrimination (ethnic and homophobic slurs, racist,
 * xenophobic and sexist phrases) — in Russian and English. It sees through the usual disguises:
 * letters masked with symbols (с*ка, f*ck, бл@дь), digits for letters (3а, sh1t), Latin letters
 * inside Cyrillic words and back (cука, fuсk), spaced or dotted letters (х у й, f.u.c.k) and
 * stretched letters (суууука). Words match whole or by stem from the start of a word, never inside
 * another word, so Scunthorpe, assassin, хлеба and застрахуем stay clean.
 */

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

const RU_PREFIXES = [
  '',
  'на',
  'по',
  'о',
  'об',
  'от',
  'за',
  'до',
  'вы',
  'при',
  'рас',
  'раз',
  'пере',
  'у',
  'ни',
  'с',
  'под',
  'без',
];
// No bare "с" here: с+ебе would be "себе".
const EB_PREFIXES = [
  '',
  'за',
  'на',
  'по',
  'у',
  'вы',
  'от',
  'раз',
  'рас',
  'до',
  'при',
  'про',
  'пере',
  'съ',
  'въ',
  'взъ',
  'отъ',
  'объ',
  'подъ',
  'разъ',
  'долбо',
];

const WORD_RULES: WordRule[] = [
  // Russian mat and its derivations.
  {
    rule: 'ru:хуй',
    category: 'profanity',
    mode: 'stem',
    prefixes: RU_PREFIXES,
    forms: ['хуй', 'хуе', 'хуя', 'хую', 'хуи', 'хуил'],
  },
  {
    rule: 'ru:пизд',
    category: 'profanity',
    mode: 'stem',
    prefixes: ['', 'рас', 'с', 'за', 'от', 'на', 'вы', 'под', 'до', 'у', 'по', 'при', 'рос'],
    forms: ['пизд', 'пезд'],
  },
  { rule: 'ru:еб', category: 'profanity', mode: 'stem', prefixes: EB_PREFIXES, forms: ['еб'] },
  { rule: 'ru:бля', category: 'profanity', mode: 'stem', forms: ['бляд', 'блят', 'бляха'] },
  { rule: 'ru:бля-word', category: 'profanity', mode: 'word', forms: ['бля', 'блеать', 'блэт'] },
  {
    rule: 'ru:сука',
    category: 'profanity',
    mode: 'word',
    forms: [
      'сука',
      'суки',
      'суке',
      'суку',
      'сукой',
      'сукам',
      'суками',
      'сучка',
      'сучки',
      'сучку',
      'сучкой',
      'сучара',
      'сучары',
      'сучий',
      'сучье',
      'сучья',
      'ссука',
    ],
  },
  {
    rule: 'ru:мудак',
    category: 'profanity',
    mode: 'stem',
    forms: ['мудак', 'мудач', 'мудил', 'мудозв', 'мудло'],
  },
  { rule: 'ru:гандон', category: 'profanity', mode: 'stem', forms: ['гандон', 'гондон'] },
  { rule: 'ru:залупа', category: 'profanity', mode: 'stem', forms: ['залуп'] },
  { rule: 'ru:шлюха', category: 'profanity', mode: 'stem', forms: ['шлюх', 'шалав', 'блудниц'] },
  {
    rule: 'ru:говно',
    category: 'profanity',
    mode: 'stem',
    prefixes: ['', 'за', 'об'],
    forms: ['говн', 'дерьм'],
  },
  {
    rule: 'ru:срать',
    category: 'profanity',
    mode: 'stem',
    prefixes: ['', 'за', 'обо', 'об', 'на', 'по', 'вы'],
    forms: ['сран', 'срат', 'сраль', 'срал'],
  },
  { rule: 'ru:жопа', category: 'profanity', mode: 'stem', forms: ['жоп'] },
  // Russian insults.
  {
    rule: 'ru:insult',
    category: 'profanity',
    mode: 'stem',
    forms: [
      'дебил',
      'ублюд',
      'мразь',
      'мрази',
      'мразот',
      'урод',
      'идиот',
      'кретин',
      'придур',
      'дегенерат',
      'быдл',
      'падла',
      'падлы',
      'гнида',
      'гниды',
      'сволоч',
      'чмошн',
      'долбан',
      'долбоящ',
    ],
    // у-родиться ("to take after someone") is not урод.
    except: ['уродил', 'уродит', 'уродят'],
  },
  {
    rule: 'ru:insult-word',
    category: 'profanity',
    mode: 'word',
    forms: [
      'чмо',
      'лох',
      'лохи',
      'лоха',
      'лохов',
      'лошара',
      'тварь',
      'твари',
      'дура',
      'дуры',
      'дурак',
      'дураки',
      'дурачье',
      'тупица',
      'козлина',
      'лузер',
    ],
  },
  // Homophobic and ethnic slurs.
  {
    rule: 'ru:пидор',
    category: 'discrimination',
    mode: 'stem',
    forms: ['пидор', 'пидар', 'пидр', 'педрил', 'гомик', 'педераст', 'гомосек', 'пидорас'],
  },
  {
    rule: 'ru:педик',
    category: 'discrimination',
    mode: 'word',
    forms: ['педик', 'педики', 'педика', 'педиков', 'педикам', 'педиками'],
  },
  {
    rule: 'ru:ethnic-slur',
    category: 'discrimination',
    mode: 'word',
    forms: [
      'хач',
      'хачи',
      'хача',
      'хачей',
      'хачам',
      'хачик',
      'хачики',
      'хачиков',
      'хачье',
      'жид',
      'жиды',
      'жида',
      'жидов',
      'жидам',
      'жидами',
      'жидяра',
      'нерусь',
      'нигер',
      'нигеры',
      'нигера',
      'нигеров',
      'хохлы',
      'хохлов',
      'хохлам',
      'хохлушка',
      'чурка',
      'чурки',
      'чурок',
      'чуркам',
    ],
  },
  {
    rule: 'ru:ethnic-slur-stem',
    category: 'discrimination',
    mode: 'stem',
    forms: [
      'жидов',
      'жидяр',
      'черножоп',
      'чучмек',
      'чурбек',
      'ниггер',
      'негритос',
      'кацап',
      'москал',
      'пиндос',
      'узкоглаз',
      'хохляц',
      'хохлятск',
      'чуркестан',
    ],
  },
  // Transliterated mat in Latin letters.
  {
    rule: 'translit:mat',
    category: 'profanity',
    mode: 'word',
    forms: [
      'huy',
      'hui',
      'huj',
      'xuy',
      'xui',
      'nahuy',
      'nahui',
      'nahuj',
      'pohuy',
      'pohui',
      'blyat',
      'blyad',
      'blya',
      'bljad',
      'suka',
      'cyka',
      'pizda',
      'pizdec',
      'pizdets',
      'ebat',
      'yebat',
      'eblan',
      'mudak',
      'pidor',
      'pidar',
      'pidoras',
    ],
  },
  // English swearing.
  {
    rule: 'en:fuck',
    category: 'profanity',
    mode: 'stem',
    prefixes: ['', 'mother', 'motha', 'cluster', 'brain', 'dumb', 'un'],
    forms: ['fuck', 'phuck'],
  },
  // Not stems: Fukushima.
  {
    rule: 'en:fuck-word',
    category: 'profanity',
    mode: 'word',
    forms: ['fuk', 'fuks', 'fuq', 'fck', 'fcking', 'fkn', 'fking', 'fuking', 'wtf', 'stfu', 'gtfo'],
  },
  {
    rule: 'en:shit',
    category: 'profanity',
    mode: 'stem',
    prefixes: ['', 'bull', 'horse', 'dip', 'chicken', 'bat'],
    forms: ['shit'],
    except: ['shitake'],
  },
  {
    rule: 'en:swear',
    category: 'profanity',
    mode: 'stem',
    forms: [
      'bitch',
      'bastard',
      'whore',
      'slut',
      'asshole',
      'arsehole',
      'cunt',
      'twat',
      'bollock',
      'dickhead',
      'cocksuck',
      'scumbag',
      'dumbass',
      'jackass',
      'smartass',
    ],
  },
  // Whole words only: assassin, Wankel engine, fire retardant, kung fu stay clean.
  {
    rule: 'en:swear-word',
    category: 'profanity',
    mode: 'word',
    forms: [
      'ass',
      'arse',
      'wank',
      'wanker',
      'wankers',
      'wanking',
      'moron',
      'morons',
      'retard',
      'retards',
      'retarded',
    ],
  },
  // English slurs.
  {
    rule: 'en:slur',
    category: 'discrimination',
    mode: 'stem',
    forms: ['nigger', 'nigga', 'faggot', 'wetback', 'raghead', 'towelhead', 'sandnigger'],
  },
  // Not "spic" alone: Spic and Span.
  {
    rule: 'en:slur-word',
    category: 'discrimination',
    mode: 'word',
    forms: [
      'fag',
      'fags',
      'dyke',
      'dykes',
      'tranny',
      'trannies',
      'kike',
      'kikes',
      'spics',
      'gook',
      'gooks',
      'paki',
      'pakis',
      'beaner',
      'beaners',
      'chinky',
      'chinks',
    ],
  },
];

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

// Accusative objects of a threat ("убью тебя"); dative ones of a doom ("тебе конец"). Not "вам"
// after a verb: "найдём вам квартиру" is a service, not a threat.
const YOU_ACC_RU = '(?:тебя|вас|его|ее|их|всех|твою семью|вашу семью|твоих детей|ваших детей)';
const YOU_DAT_RU = '(?:тебе|вам|ему|ей|им)';
// Not "черные": "кроме черных футболок".
const GROUPS_RU =
  '(?:мигранты|мигрантов|приезжие|приезжих|кавказцы|кавказцев|евреи|евреев|цыгане|цыган|таджики|таджиков|узбеки|узбеков|азиаты|азиатов|нерусские|нерусских|мусульмане|мусульман|геи|геев|гомосексуалисты|гомосексуалистов|лесбиянки|лесбиянок|инородцы|инородцев|негры|негров|хохлы|хохлов)';
const PEOPLE_RU = `(?:${GROUPS_RU.slice(3, -1)}|бабы|женщины|иностранцы)`;
const GROUPS_EN =
  '(?:blacks|black people|jews|muslims|immigrants|migrants|mexicans|gays|homosexuals|lesbians|women|girls|arabs|asians|gypsies|refugees|foreigners|indians|chinese|africans|whites|white people)';

const PHRASE_RULES: PhraseRule[] = [
  // Threats, Russian.
  phrase(
    'ru:kill',
    'threat',
    '\\b(?:убью|убьем|убьют|зарежу|зарежем|прирежу|пристрелю|пристрелим|застрелю|застрелим|придушу|задушу|урою|уроем|изобью|искалечу|покалечу|прикончу|прикончим|замочим|порешу)\\b',
  ),
  phrase(
    'ru:harm-you',
    'threat',
    `\\b(?:(?:замочу|грохну|грохнем|прибью|прибьем|закопаю|закопаем|уничтожу|сожгу|сожжем|взорву|взорвем|накажу|отомщу|доберусь до|доберемся до|размажу|раздавлю|убить|зарезать|пристрелить) ${YOU_ACC_RU}|(?:я|мы) (?:тебя|вас) (?:найду|найдем|достану|достанем|закопаю|уничтожу|накажу|урою|порву|прибью))\\b`,
  ),
  phrase(
    'ru:doom',
    'threat',
    `\\b(?:${YOU_DAT_RU} (?:конец|не жить|крышка|хана|кранты|не поздоровится)|(?:ты|вы) (?:труп|трупы|покойник|покойники|не жилец|не жильцы))\\b`,
  ),
  phrase('ru:regret', 'threat', '(?<!\\bне )\\b(?:пожалеешь|поплатишься|поплатитесь)\\b'),
  phrase(
    'ru:die',
    'threat',
    '\\b(?:сдохни|сдохните|сдохнешь|сдохнете|чтоб (?:ты|вы) (?:сдох|сдохла|сдохли)|убей себя|убейся|выпились|самоубейся|жди беды|ждите беды)\\b',
  ),
  phrase(
    'ru:know-where',
    'threat',
    '\\b(?:знаю|знаем) где (?:ты|вы) (?:живешь|живете|живет|учишься|работаешь)\\b',
  ),
  phrase(
    'ru:maim',
    'threat',
    '\\b(?:(?:голову|башку|руки|ноги) (?:оторву|отрежу|проломлю|переломаю|сломаю|откручу)|кишки выпущу)\\b',
  ),
  phrase(
    'ru:blackmail',
    'threat',
    '\\b(?:заплати|заплатите|переведи|переведите|отдай|отдайте|плати|платите)(?: \\S+){0,8} (?:иначе|а то)\\b|\\bиначе (?:все|всем|твои|ваши) (?:узнают|расскажу|разошлю|опубликую)\\b|\\b(?:опубликую|разошлю|солью|выложу|покажу всем) (?:твои|ваши|твое|ваше) (?:фото|фотки|видео|переписку|данные|секреты)\\b',
  ),
  // Threats, English (apostrophes split words: "i'll" reads "i ll").
  phrase(
    'en:kill',
    'threat',
    '\\b(?:i|we)(?: will| ll| m going to| am going to| are going to| re going to| gonna| shall)? (?:(?:kill|murder|shoot|stab|strangle|slaughter|behead|hurt|rape|beat up) (?:you|u|ya|y all|you all|your family|your kids|your wife|your children|everyone)|(?:burn|bomb|destroy) (?:you|u|ya|your house|your home|your family|your car))\\b',
  ),
  phrase(
    'en:kill-you',
    'threat',
    '\\b(?:kill (?:you|u|ya|yourself|urself|yo self)|kys|go die|hang yourself|drink bleach)\\b',
  ),
  phrase(
    'en:doom',
    'threat',
    '\\b(?:(?:you|u) (?:re|are|r) (?:dead|going to die|gonna die|a dead man)|(?:you|u) (?:will|ll) (?:die|pay for (?:this|that|it)|be sorry)|i know where (?:you|u) live|watch your back|sleep with the fishes)\\b',
  ),
  phrase(
    'en:blackmail',
    'threat',
    '\\b(?:pay|send|transfer)(?: \\S+){0,8} or (?:i|we)(?: will| ll)? (?:leak|publish|post|share|release|expose|send)\\b|\\b(?:leak|publish|expose|release) your (?:photos|pictures|pics|videos|nudes|secrets|data|chats)\\b',
  ),
  // Discrimination, Russian.
  phrase(
    'ru:only-for',
    'discrimination',
    '\\b(?:только|лишь|исключительно) (?:для )?(?:славян|славянам|славянской семье|русских|русским|русской семье|белых|белым)\\b',
  ),
  phrase(
    'ru:except',
    'discrimination',
    `\\b(?:без|кроме|не сдаем|не сдаю|не берем|не беру|не принимаем|не обслуживаем|не нанимаем)(?: \\S+){0,2} ${GROUPS_RU}\\b`,
  ),
  phrase(
    'ru:group-insult',
    'discrimination',
    `\\b(?:все |эти )?${PEOPLE_RU}(?: \\S+){0,3} (?:воры|убийцы|животные|скоты|тупые|твари|мрази|паразиты|недолюди|грязные|вонючие|больные|извращенцы|дикари|обезьяны|второго сорта|хуже)\\b`,
  ),
  phrase(
    'ru:xenophobia',
    'discrimination',
    '\\b(?:россия для русских|москва для москвичей|понаехали|понаехавшие|понаехавших|убирайтесь (?:в свою|к себе)|езжай в свой|валите в свой)\\b',
  ),
  phrase(
    'ru:sexism',
    'discrimination',
    '\\b(?:(?:место|место женщины|бабе место|женщине место|их место) на кухне|(?:женщины|бабы|девушки) (?:не умеют|не способны|тупее|глупее|не могут думать)|(?:женщинам|бабам) не место)\\b',
  ),
  // Discrimination, English.
  phrase(
    'en:only',
    'discrimination',
    '\\b(?:whites|white people|christians|natives) only\\b|\\bno (?:blacks|jews|gays|queers|gypsies|mexicans|irish|dogs or (?:blacks|mexicans|irish))\\b|\\bno (?:muslims|immigrants|asians|indians|arabs|women|girls|foreigners|refugees) (?:allowed|need apply|welcome|wanted)\\b',
  ),
  phrase(
    'en:group-insult',
    'discrimination',
    `\\b(?:all )?${GROUPS_EN} (?:are|r) (?:all )?(?:animals|inferior|stupid|dumb|criminals|subhuman|vermin|parasites|filth|scum|rapists|terrorists|monkeys|apes|a disease|trash)\\b`,
  ),
  phrase(
    'en:xenophobia',
    'discrimination',
    '\\b(?:go back to (?:your own country|your country|where you came from|where you come from)|white (?:power|supremacy)|heil hitler|sieg heil)\\b',
  ),
  phrase(
    'en:sexism',
    'discrimination',
    '\\b(?:a woman s place is|women belong|girls belong|women should stay|girls should stay|women should be) in the kitchen\\b|\\b(?:women|girls) (?:can t|cannot|shouldn t) (?:think|drive|lead|vote)\\b',
  ),
  // Insults aimed at someone.
  phrase(
    'ru:you-insult',
    'profanity',
    '\\b(?:ты|вы) (?:(?:просто|полный|полная|полные|настоящий|настоящая) )?(?:дурак|дура|идиот|идиотка|идиоты|дебил|дебилка|дебилы|урод|уродина|уроды|тупой|тупая|тупые|лох|лохи|чмо|ничтожество|ничтожества|кретин|придурок|неудачник|неудачники|жирный|жирная|жирдяй|тварь|твари|мразь)\\b',
  ),
  phrase(
    'en:you-insult',
    'profanity',
    '\\b(?:you|u)(?: are| re| r)?(?: such)?(?: an?)? (?:(?:stupid|dumb|fat|ugly|worthless|pathetic|useless) )?(?:idiot|moron|loser|imbecile|retard|stupid|dumb|worthless|pathetic|piece of (?:shit|crap|garbage|trash))\\b',
  ),
];

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
