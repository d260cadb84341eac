import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModerationVerdict } from './moderation-verdict.ts';

test('moderation answers: true/false in any dress, refusals and ambiguity count as violations', () => {
  const cases: [string, boolean][] = [
    ['true', true],
    ['True.', true],
    ['TRUE', true],
    ['  true\n', true],
    ['**true**', true],
    ['Ответ: true', true],
    ['false', false],
    ['False.', false],
    ['false\nТекст не содержит нарушений.', false],
    ['`false`', false],
    ['Да', true],
    ['Нет', false],
    // YandexGPT's canned refusal, exactly as the seed saw it, and in other cases.
    [
      'В интернете есть много сайтов с информацией на эту тему. [Посмотрите, что нашлось в поиске](https://ya.ru)',
      true,
    ],
    ['в интернете есть много сайтов с информацией на эту тему.', true],
    // Other models refusing to judge.
    ["I'm sorry, but I can't help with that.", true],
    ['Я не могу обсуждать эту тему.', true],
    // First line undecided, the rest clear.
    ['Анализ текста:\nfalse', false],
    ['Let me check.\nThe text contains a threat, so: true', true],
    // Both verdicts and no first-line decision: not a clean bill.
    ['It could be true or false depending on context.', true],
  ];
  for (const [answer, expected] of cases) assert.equal(parseModerationVerdict(answer), expected, answer);
});
