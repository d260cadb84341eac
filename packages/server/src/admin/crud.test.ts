import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, notFound } from '@adnova/core/errors';
import { exists } from './crud.ts';

test('exists: a found record is true, NOT_FOUND is false, an outage is thrown (never "not found")', async () => {
  assert.equal(await exists(Promise.resolve({ id: 1 })), true);
  assert.equal(await exists(Promise.reject(notFound())), false);
  const outage = new AppError('UNAVAILABLE', 'The database is unavailable.');
  await assert.rejects(exists(Promise.reject(outage)), outage);
  const broken = new Error('connection terminated unexpectedly');
  await assert.rejects(exists(Promise.reject(broken)), broken);
});
