/** YandexGPT's canned refusal, which the seed counted as a violation (spec §7.3). */
const YANDEX_REFUSAL = 'в интернете есть много сайтов с информацией на эту тему';

const YES = new Set(['true', 'да', 'yes', 'истина']);
const NO = new Set(['false', 'нет', 'no', 'ложь']);

function verdictWords(text: string): { yes: boolean; no: boolean } {
  const words = text.toLowerCase().match(/[\p{L}]+/gu) ?? [];
  return { yes: words.some((w) => YES.has(w)), no: words.some((w) => NO.has(w)) };
}

/**
 * Reads a moderation answer (spec §7.3): the prompt asks for `true` (a rule is broken) or
 * `false`. The first line decides when it holds exactly one verdict ("true", "True.", "**false**",
 * "Ответ: false"); otherwise the whole answer does when it holds only one kind. Anything else — a
 * refusal such as YandexGPT's "search the web" reply or "I can't help with that", or an answer
 * saying both — is not a clean bill, so it counts as a violation.
 */
export function parseModerationVerdict(answer: string): boolean {
  const text = answer.trim().toLowerCase();
  if (text.startsWith(YANDEX_REFUSAL)) return true;
  const firstLine = text.split('\n', 1)[0] ?? '';
  const first = verdictWords(firstLine);
  if (first.yes !== first.no) return first.yes;
  const all = verdictWords(text);
  if (all.yes !== all.no) return all.yes;
  return true;
}
