import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeAdText, detectLanguage } from './ad-text-composer.ts';
import { moderateText } from './moderator.ts';

const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== '');

test('offline composer: deterministic, names the advertiser and the campaign, 3–6 sentences', () => {
  const input = { advertiserName: 'Nova Coffee', adTitle: 'Morning coffee' };
  const text = composeAdText(input);
  assert.equal(composeAdText({ ...input }), text, 'same input, same text');
  assert.match(text, /Nova Coffee/);
  assert.match(text, /Morning coffee/);
  const n = sentences(text).length;
  assert.ok(n >= 3 && n <= 6, `${n} sentences: ${text}`);
  assert.ok(!text.includes('"') && !text.includes('\n'), 'no double quotes, one line');
  assert.match(sentences(text).at(-1) ?? '', /!$/, 'ends with a call to action');
});

test('offline composer: Russian for a Russian title, with «» around Cyrillic names', () => {
  const text = composeAdText({ advertiserName: 'Ромашка', adTitle: 'Скидки на сухарики' });
  assert.equal(detectLanguage({ advertiserName: 'Ромашка', adTitle: 'Скидки на сухарики' }), 'ru');
  assert.match(text, /«Скидки на сухарики»/);
  assert.match(text, /«Ромашка»/);
  assert.match(text, /[А-Яа-я]/);
  const n = sentences(text).length;
  assert.ok(n >= 3 && n <= 6, text);
  // A Latin brand in a Russian ad stays unquoted.
  const mixed = composeAdText({ advertiserName: 'Nova Coffee', adTitle: 'Утренний кофе' });
  assert.match(mixed, /Nova Coffee/);
  assert.doesNotMatch(mixed, /«Nova Coffee»/);
});

test('offline composer: English for an English title; different inputs get different phrasing', () => {
  assert.equal(detectLanguage({ advertiserName: 'Ромашка', adTitle: 'Summer sale' }), 'en');
  assert.equal(detectLanguage({ advertiserName: 'Ромашка', adTitle: '2025' }), 'ru');
  const texts = new Set(
    ['Summer sale', 'Winter boots', 'Fresh bread', 'Cloud storage', 'Yoga classes', 'Car rental'].map(
      (title) => composeAdText({ advertiserName: 'Acme', adTitle: title }).replace(title, 'T'),
    ),
  );
  assert.ok(texts.size >= 3, 'phrasing varies with the input');
});

test('offline composer: quotes and stray punctuation in the input are tidied; its texts pass moderation', () => {
  const text = composeAdText({ advertiserName: ' ООО "Ромашка" ', adTitle: '«Летняя распродажа»!!! ' });
  assert.ok(!text.includes('"'), text);
  assert.match(text, /«Летняя распродажа»/);
  assert.doesNotMatch(text, /!!!/);
  for (const title of ['Скидки на сухарики', 'Morning coffee', 'Летний фестиваль', 'Classic game sale']) {
    for (const name of ['Ромашка', 'Nova Coffee']) {
      const ad = composeAdText({ advertiserName: name, adTitle: title });
      assert.equal(moderateText(ad).flagged, false, ad);
    }
  }
});
