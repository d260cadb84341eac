import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { checkBotToken, normalizeLinkCode } from './telegram.ts';

test('normalizeLinkCode: canonical form, look-alikes folded, anything else refused', () => {
  assert.equal(normalizeLinkCode('K3M9Q-7TBXA'), 'K3M9Q7TBXA');
  assert.equal(normalizeLinkCode(' k3m9q 7tbxa '), 'K3M9Q7TBXA');
  assert.equal(normalizeLinkCode('oOiIlL-0000'), '0011110000');
  for (const bad of ['', 'K3M9Q', 'K3M9Q-7TBXA-1', 'UUUUU-UUUUU', 'K3M9Q_7TBXA', 'К3M9Q-7TBXA']) {
    assert.equal(normalizeLinkCode(bad), undefined, bad);
  }
});

test('checkBotToken: only the configured token passes; no token configured refuses everyone', () => {
  assert.doesNotThrow(() => checkBotToken('secret', 'secret'));
  const unauthorized = (error: unknown) => error instanceof AppError && error.code === 'UNAUTHORIZED';
  for (const given of [undefined, '', 'secre', 'secret ', 'Secret']) {
    assert.throws(() => checkBotToken('secret', given), unauthorized);
  }
  assert.throws(() => checkBotToken(undefined, 'anything'), /BOT_API_TOKEN/);
  assert.throws(() => checkBotToken('', ''), /disabled/);
});
