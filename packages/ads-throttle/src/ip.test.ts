import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizeIp, createIpResolver, type IpPolicy } from './ip.ts';

const parity = (ipHeader = ''): IpPolicy => ({ ipMode: 'parity', ipHeader, trustProxy: false });

describe('client IP, parity mode (behaviour §4.3)', () => {
  it('case 12: the configured header is trimmed, whatever the spelling of its name', () => {
    for (const name of ['X-Real-IP', 'X_REAL_IP', 'x-real-ip', ' X-Real-IP ']) {
      const resolve = createIpResolver(parity(name));
      assert.equal(resolve({ headers: { 'x-real-ip': ' 10.0.0.5 ' }, remoteAddress: '1.1.1.1' }), '10.0.0.5');
    }
  });

  it('case 13: an absent custom header falls through to X-Forwarded-For', () => {
    const resolve = createIpResolver(parity('CF-Connecting-IP'));
    assert.equal(resolve({ headers: { 'x-forwarded-for': '7.7.7.7', 'x-real-ip': '9.9.9.9' } }), '7.7.7.7');
  });

  it('case 14: a whitespace-only custom header gives "" with no fallback', () => {
    const resolve = createIpResolver(parity('CF-Connecting-IP'));
    assert.equal(resolve({ headers: { 'cf-connecting-ip': '   ', 'x-real-ip': '9.9.9.9' } }), '');
  });

  it('case 15: X-Forwarded-For gives its first element, trimmed', () => {
    const resolve = createIpResolver(parity());
    assert.equal(resolve({ headers: { 'x-forwarded-for': ' 1.1.1.1, 2.2.2.2 ' } }), '1.1.1.1');
  });

  it('case 16: an empty first X-Forwarded-For element gives "" with no fallback', () => {
    const resolve = createIpResolver(parity());
    assert.equal(resolve({ headers: { 'x-forwarded-for': ', 2.2.2.2' }, remoteAddress: '8.8.8.8' }), '');
  });

  it('case 17: X-Real-IP without X-Forwarded-For; with both, X-Forwarded-For wins', () => {
    const resolve = createIpResolver(parity());
    assert.equal(resolve({ headers: { 'x-real-ip': '9.9.9.9' } }), '9.9.9.9');
    assert.equal(resolve({ headers: { 'x-real-ip': '9.9.9.9', 'x-forwarded-for': '7.7.7.7' } }), '7.7.7.7');
  });

  it('case 18: only the socket address', () => {
    assert.equal(createIpResolver(parity())({ remoteAddress: '8.8.8.8' }), '8.8.8.8');
    assert.equal(createIpResolver(parity())({}), '');
  });

  it('case 19: the custom header X-Forwarded-For is returned whole in parity mode', () => {
    const resolve = createIpResolver(parity('X-Forwarded-For'));
    assert.equal(resolve({ headers: { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' } }), '1.1.1.1, 2.2.2.2');
  });

  it('a configured name starting with HTTP_ never matches', () => {
    const resolve = createIpResolver(parity('HTTP_X_CLIENT'));
    assert.equal(resolve({ headers: { 'http-x-client': '5.5.5.5' }, remoteAddress: '8.8.8.8' }), '8.8.8.8');
  });
});

describe('client IP, trusted-proxy mode (default)', () => {
  const trusted = (trustProxy: IpPolicy['trustProxy'], ipHeader = '') =>
    createIpResolver({ ipMode: 'trusted-proxy', ipHeader, trustProxy });

  it('ignores forwarding headers from untrusted peers', () => {
    const resolve = trusted(false);
    assert.equal(
      resolve({
        headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' },
        remoteAddress: '8.8.8.8',
      }),
      '8.8.8.8',
    );
  });

  it('case 19 (port): the custom header X-Forwarded-For is split; the hop depends on the policy', () => {
    const headers = { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' };
    assert.equal(trusted(true, 'X-Forwarded-For')({ headers, remoteAddress: '10.0.0.1' }), '1.1.1.1');
    assert.equal(trusted(1, 'X-Forwarded-For')({ headers, remoteAddress: '10.0.0.1' }), '2.2.2.2');
    assert.equal(trusted(2, 'X-Forwarded-For')({ headers, remoteAddress: '10.0.0.1' }), '1.1.1.1');
    assert.equal(trusted(['10.0.0.0/8'])({ headers, remoteAddress: '10.0.0.1' }), '2.2.2.2');
    assert.equal(trusted(['10.0.0.0/8', '2.2.2.2'])({ headers, remoteAddress: '10.0.0.1' }), '1.1.1.1');
    assert.equal(trusted(['10.0.0.0/8'])({ headers, remoteAddress: '8.8.8.8' }), '8.8.8.8');
  });

  it('a blank or empty forwarded element falls back to the socket or skips the blank hop', () => {
    assert.equal(
      trusted(true)({ headers: { 'x-forwarded-for': ' ' }, remoteAddress: '10.0.0.1' }),
      '10.0.0.1',
    );
    assert.equal(
      trusted(true)({ headers: { 'x-forwarded-for': ', 2.2.2.2' }, remoteAddress: '10.0.0.1' }),
      '2.2.2.2',
    );
  });

  it('a custom header from a trusted proxy wins over X-Forwarded-For', () => {
    const resolve = trusted(['loopback'], 'CF-Connecting-IP');
    const headers = { 'cf-connecting-ip': '3.3.3.3', 'x-forwarded-for': '4.4.4.4' };
    assert.equal(resolve({ headers, remoteAddress: '127.0.0.1' }), '3.3.3.3');
    assert.equal(resolve({ headers: { 'x-real-ip': '5.5.5.5' }, remoteAddress: '::1' }), '5.5.5.5');
  });

  it('case 20: the socket address ::ffff:1.2.3.4 resolves to 1.2.3.4', () => {
    assert.equal(trusted(false)({ remoteAddress: '::ffff:1.2.3.4' }), '1.2.3.4');
  });
});

describe('canonicalizeIp', () => {
  it('maps, compresses, lower-cases and strips ports and zones (W20)', () => {
    assert.equal(canonicalizeIp('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(canonicalizeIp('::FFFF:0102:0304'), '1.2.3.4');
    assert.equal(canonicalizeIp('2001:0DB8:0000::0001'), '2001:db8::1');
    assert.equal(canonicalizeIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalizeIp('[2001:db8::1]:443'), '2001:db8::1');
    assert.equal(canonicalizeIp('1.2.3.4:5678'), '1.2.3.4');
    assert.equal(canonicalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(canonicalizeIp(' 10.0.0.1 '), '10.0.0.1');
    assert.equal(canonicalizeIp('not-an-ip'), 'not-an-ip');
    assert.equal(canonicalizeIp(''), '');
    assert.equal(canonicalizeIp(undefined), '');
  });
});
