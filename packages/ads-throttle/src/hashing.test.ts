import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createHasher, encodeParts, formatFingerprint, keyedHash } from './hashing.ts';

const SECRET = 'test-secret-test-secret-test-secret!';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');

describe('hashing', () => {
  const hasher = createHasher(SECRET);

  it('case 21: the fingerprint string matches the original; the port hashes it keyed and length-prefixed', () => {
    const fingerprint = formatFingerprint('anonymous', '10.0.0.5', 'ua');
    assert.equal(fingerprint, 'anonymous:10.0.0.5:ua');
    // The original's vector (behaviour §4.5) proves the string is the original's; the port deliberately
    // does not store it.
    assert.equal(sha256(fingerprint), '36c7126b2e8eaf31894ff5e278a0d4243c97d63bdf138edf557839aeb319f568');
    const hash = hasher.fingerprint('anonymous', '10.0.0.5', 'ua');
    assert.equal(hash, hmac('11:fingerprint9:anonymous8:10.0.0.52:ua'));
    assert.notEqual(hash, sha256(fingerprint));
    assert.match(hash, /^[0-9a-f]{64}$/);
  });

  it('case 22: hashIp("") is "", hashIp("127.0.0.1") is a keyed hash, never the plain SHA-256', () => {
    assert.equal(hasher.ip(''), '');
    const hash = hasher.ip('127.0.0.1');
    assert.equal(hash, hmac(encodeParts(['ip', '127.0.0.1'])));
    assert.notEqual(hash, '12ca17b49af2289436f303e0166030a21e525d266e209267433801a8fd4071a0');
    assert.equal(hasher.ip(' 127.0.0.1 '), hash);
  });

  it('case 22 (port): a whitespace-only IP counts as no IP, not as the hash of ""', () => {
    assert.equal(hasher.ip(' '), '');
  });

  it('W19: the length-prefixed encoding never lets two triples collide', () => {
    assert.equal(formatFingerprint('a:b', 'c', 'd'), formatFingerprint('a', 'b:c', 'd'));
    assert.notEqual(hasher.fingerprint('a:b', 'c', 'd'), hasher.fingerprint('a', 'b:c', 'd'));
    assert.equal(encodeParts(['é', '']), '2:é0:');
  });

  it('separates domains and secrets', () => {
    assert.notEqual(hasher.scope('/x'), hasher.viewerId('/x'));
    assert.notEqual(createHasher(`${SECRET}2`).ip('1.2.3.4'), hasher.ip('1.2.3.4'));
    assert.equal(hasher.scope('/p/'), keyedHash(SECRET, 'scope', '/p/'));
    assert.equal(hasher.scope('/p/'), hasher.scope('/p/'));
  });

  it('derives a short key id from the secret, so rotated rules can be flagged', () => {
    assert.match(hasher.keyId, /^[0-9a-f]{8}$/);
    assert.notEqual(createHasher(`${SECRET}2`).keyId, hasher.keyId);
  });
});
