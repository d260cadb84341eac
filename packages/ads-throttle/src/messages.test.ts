import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdsThrottleError, AdsThrottleErrorCode } from './errors.ts';
import { type MessageKey, messages, resolveLocale, t } from './messages.ts';

describe('messages', () => {
  it('case 74: Russian labels and errors', () => {
    assert.equal(t('ru', 'override.applyTo.ip'), 'Применить к IP');
    assert.equal(
      t('ru', 'error.scopeInvalid'),
      "Область должна быть пустой или начинаться с '/'. Пример: /courses/abc/.",
    );
    assert.equal(t('ru', 'override.name'), 'Правило показа рекламы');
    assert.equal(t('ru', 'override.namePlural'), 'Правила показа рекламы');
    assert.equal(t('ru', 'app.title'), 'Ограничение показов рекламы');
  });

  it('both catalogues have every key, none empty, with the same placeholders', () => {
    const keys = Object.keys(messages.en) as MessageKey[];
    assert.deepEqual(Object.keys(messages.ru).sort(), [...keys].sort());
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const key of keys) {
      assert.notEqual(messages.en[key], '', key);
      assert.notEqual(messages.ru[key], '', key);
      assert.deepEqual(placeholders(messages.ru[key]), placeholders(messages.en[key]), key);
    }
  });

  it('keeps the original English texts', () => {
    assert.equal(t('en', 'override.applyTo.all'), 'Apply to all in scope');
    assert.equal(t('en', 'error.ipRequired'), 'Provide an IP address to compute the hash.');
    assert.equal(
      t('en', 'override.display', { target: 'user:7', scope: '/a/' }),
      'Override for user:7 (/a/)',
    );
  });

  it('resolves locale tags and fills placeholders', () => {
    assert.equal(resolveLocale('ru-RU'), 'ru');
    assert.equal(resolveLocale('RU_ru'), 'ru');
    assert.equal(resolveLocale('de'), 'en');
    assert.equal(resolveLocale(undefined), 'en');
    assert.equal(t('de', 'display.all'), 'All');
    assert.equal(t('en', 'error.scopeTooLong', {}), 'Scope must be at most {max} characters long.');
  });

  it('every error code has a message in both languages', () => {
    for (const code of Object.values(AdsThrottleErrorCode)) {
      const error = new AdsThrottleError(code, {
        params: { issues: 'x', field: 'threshold', min: 1, value: 'v' },
      });
      assert.equal(error.code, code);
      assert.ok(error.message.length > 0);
      assert.ok(error.localize('ru').length > 0);
      assert.notEqual(error.localize('ru'), error.message, code);
    }
  });
});
