import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MONEY } from '@adnova/core/shared/money';
import { en } from './en.ts';
import { negotiateLocale, translator } from './i18n.ts';
import { ru } from './ru.ts';

test('Accept-Language: quality first, then order; regions map to their language; English otherwise', () => {
  assert.equal(negotiateLocale(undefined), 'en');
  assert.equal(negotiateLocale(''), 'en');
  assert.equal(negotiateLocale('ru-RU,ru;q=0.9,en-US;q=0.8'), 'ru');
  assert.equal(negotiateLocale('en;q=0.5, ru;q=0.8'), 'ru');
  assert.equal(negotiateLocale('de-DE, ru;q=0.1'), 'ru');
  assert.equal(negotiateLocale('de-DE, fr'), 'en');
  assert.equal(negotiateLocale('ru;q=0, en'), 'en');
  assert.equal(negotiateLocale('*'), 'en');
});

test('both catalogues have the same keys and the same placeholders', () => {
  assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [key, text] of Object.entries(en)) {
    assert.deepEqual(placeholders(ru[key as keyof typeof en]), placeholders(text), key);
  }
});

test('messages fill their parameters; domain messages and the throttle’s catalogue are translated', () => {
  const tr = translator('ru');
  assert.equal(tr.t('list.results', { count: 3 }), 'Найдено: 3');
  assert.equal(
    tr.domain("clicks_limit can't be greater than impressions_limit."),
    'Лимит кликов не может быть больше лимита показов.',
  );
  // The price bound's message as the domain builds it.
  for (const field of ['cost_per_impression', 'cost_per_click']) {
    const message = `${field} must be a number from 0 to ${MAX_MONEY}.`;
    assert.notEqual(tr.domain(message), message, field);
  }
  assert.equal(tr.domain('Some message nobody translated.'), 'Some message nobody translated.');
  assert.equal(tr.tt('override.applyTo.ip'), 'Применить к IP');
  assert.equal(translator('en').tt('override.name'), 'Ads throttle override');
});
