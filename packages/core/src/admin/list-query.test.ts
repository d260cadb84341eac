import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../errors.ts';
import { MAX_SEARCH_TERMS, searchTerms } from './list-query.ts';

test('issue 12: a search holds at most 10 different words; repeats count once', () => {
  assert.deepEqual(searchTerms('  coffee   Tea '), ['coffee', 'Tea']);
  assert.deepEqual(searchTerms(''), []);
  // 100 copies of one word (any case) are one ILIKE, not a hundred.
  assert.deepEqual(searchTerms(Array.from({ length: 100 }, (_, i) => (i % 2 ? 'a' : 'A')).join(' ')), ['a']);
  const ten = Array.from({ length: MAX_SEARCH_TERMS }, (_, i) => `w${i}`).join(' ');
  assert.equal(searchTerms(ten).length, 10);
  assert.throws(
    () => searchTerms(`${ten} one-more`),
    (error: unknown) =>
      error instanceof AppError &&
      error.code === 'VALIDATION' &&
      /at most 10 different words/.test(error.message) &&
      error.details.issues?.[0]?.loc.join('.') === 'query.q',
  );
});
