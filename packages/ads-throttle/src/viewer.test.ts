import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveScope, resolveUserAgent, resolveViewerId, scopeFromPath } from './viewer.ts';

describe('viewer id', () => {
  it('case 8: an authenticated user wins over the session', () => {
    assert.equal(resolveViewerId({ userId: 42, sessionId: 'abc' }, 'sessionid'), 'user:42');
    assert.equal(resolveViewerId({ userId: '7f3c' }, 'sessionid'), 'user:7f3c');
  });

  it('case 9: an anonymous viewer with a session key', () => {
    assert.equal(resolveViewerId({ sessionId: 'abc' }, 'sessionid'), 'session:abc');
  });

  it('case 10: falls back to the raw session cookie (parsed or from the Cookie header)', () => {
    assert.equal(
      resolveViewerId({ cookies: { sessionid: 'cookie-session' } }, 'sessionid'),
      'session:cookie-session',
    );
    assert.equal(
      resolveViewerId({ headers: { cookie: 'a=1; sessionid=cookie-session; b=2' } }, 'sessionid'),
      'session:cookie-session',
    );
    assert.equal(resolveViewerId({ headers: { cookie: 'sid=xyz' } }, 'sid'), 'session:xyz');
  });

  it('case 11: no user, no session, no cookie, or an empty cookie gives anonymous', () => {
    assert.equal(resolveViewerId({}, 'sessionid'), 'anonymous');
    assert.equal(resolveViewerId({ cookies: { sessionid: '' } }, 'sessionid'), 'anonymous');
    assert.equal(resolveViewerId({ headers: { cookie: 'sessionid=' } }, 'sessionid'), 'anonymous');
    assert.equal(resolveViewerId({ userId: null, sessionId: null }, 'sessionid'), 'anonymous');
  });
});

describe('user agent and scope', () => {
  it('the User-Agent is raw, not trimmed, or empty', () => {
    assert.equal(resolveUserAgent({ headers: { 'user-agent': ' ua ' } }), ' ua ');
    assert.equal(resolveUserAgent({}), '');
    assert.equal(resolveUserAgent({ userAgent: 'given', headers: { 'user-agent': 'header' } }), 'given');
  });

  it('the default scope is the decoded pathname, without query or fragment, not normalised', () => {
    assert.equal(scopeFromPath('/p/?a=1#x'), '/p/');
    assert.equal(scopeFromPath('/caf%C3%A9/'), '/café/');
    assert.equal(scopeFromPath('/bad%E0%A4%A/'), '/bad%E0%A4%A/');
    assert.equal(scopeFromPath('/A//b'), '/A//b');
    assert.equal(scopeFromPath('https://example.com/x/y?z'), '/x/y');
    assert.equal(scopeFromPath(undefined), '');
  });

  it('an explicit scope wins; "" means the path', () => {
    assert.equal(resolveScope({ path: '/landing/v1/' }, '/landing/'), '/landing/');
    assert.equal(resolveScope({ path: '/landing/v1/' }, ''), '/landing/v1/');
    assert.equal(resolveScope({ path: '/landing/v1/' }, null), '/landing/v1/');
  });
});
