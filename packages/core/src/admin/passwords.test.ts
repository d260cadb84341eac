import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { AppError } from '../errors.ts';
import {
  hashPassword,
  PASSWORD_HASH_CONCURRENCY,
  PASSWORD_HASH_QUEUE,
  passwordHashingStats,
  passwordProblems,
  verifyPassword,
} from './passwords.ts';

describe('passwords', () => {
  test('a hash is self-describing, salted, and verifies only the right password', async () => {
    const one = await hashPassword('correct horse');
    const two = await hashPassword('correct horse');
    assert.match(one, /^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(one, two, 'a fresh salt every time');
    assert.deepEqual(await verifyPassword('correct horse', one), { ok: true, needsRehash: false });
    assert.deepEqual(await verifyPassword('correct horsE', one), { ok: false, needsRehash: false });
    assert.deepEqual(await verifyPassword('', one), { ok: false, needsRehash: false });
  });

  test('unknown users and malformed hashes never verify', async () => {
    assert.deepEqual(await verifyPassword('anything', undefined), { ok: false, needsRehash: false });
    for (const broken of [
      '',
      'plain',
      'scrypt$x$8$1$c2FsdA==$a2V5',
      'bcrypt$10$abc',
      'scrypt$16384$8$1$c2FsdA==$',
    ]) {
      assert.deepEqual(await verifyPassword('anything', broken), { ok: false, needsRehash: false }, broken);
    }
  });

  test('a hash made with another cost still verifies and asks to be rehashed', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('old one', salt, 64, { N: 2 ** 14, r: 8, p: 1 });
    const stored = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    assert.deepEqual(await verifyPassword('old one', stored), { ok: true, needsRehash: true });
  });

  test('the rules: length, not only digits, not the username', () => {
    assert.deepEqual(passwordProblems('short', 'ann'), ['password_too_short']);
    assert.deepEqual(passwordProblems('12345678', 'ann'), ['password_numeric']);
    assert.deepEqual(passwordProblems('moderator-2025', 'Moderator'), ['password_similar']);
    assert.deepEqual(passwordProblems('x'.repeat(1025), 'ann'), ['password_too_long']);
    assert.deepEqual(passwordProblems('a fine passphrase', 'ann'), []);
  });
});

describe('issue 12: bounded password hashing', () => {
  test('an unknown user costs one derivation, like a wrong password', async () => {
    const before = passwordHashingStats().started;
    await verifyPassword('anything', undefined);
    assert.equal(passwordHashingStats().started - before, 1);
  });

  test('past 2 running and 2 waiting derivations, a check is refused at once: RATE_LIMITED, Retry-After 1', async () => {
    const held = Array.from({ length: PASSWORD_HASH_CONCURRENCY + PASSWORD_HASH_QUEUE }, () =>
      hashPassword('held'),
    );
    for (const attempt of [verifyPassword('x', undefined), hashPassword('x')]) {
      await assert.rejects(attempt, (error) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'RATE_LIMITED');
        assert.deepEqual(error.details.headers, { 'Retry-After': '1' });
        return true;
      });
    }
    await Promise.all(held);
    assert.ok(passwordHashingStats().peak <= PASSWORD_HASH_CONCURRENCY);
  });
});
