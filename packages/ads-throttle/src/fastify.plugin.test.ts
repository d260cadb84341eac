import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildFastifyExample, recordingThrottle } from '../test/apps.ts';
import { createFakeClock } from '../test/fake-clock.ts';
import { createMemoryStore } from './memory.store.ts';
import { type AdsThrottle, createAdsThrottle } from './throttle.ts';

const SECRET = 'fastify-suite-secret-0123456789abcdef';

function realThrottle(threshold = 1): AdsThrottle {
  const clock = createFakeClock();
  return createAdsThrottle({
    config: { hashSecret: SECRET, threshold },
    store: createMemoryStore({ clock }),
    clock,
  });
}

describe('Fastify example app (@fastify/view + Eta)', () => {
  const apps: FastifyInstance[] = [];
  after(() => Promise.all(apps.map((app) => app.close())));
  const build = async (throttle: Pick<AdsThrottle, 'decide'>) => {
    const app = await buildFastifyExample(throttle);
    apps.push(app);
    return app;
  };

  it('renders a page with ads, then without once the viewer is throttled', async () => {
    const throttle = realThrottle(1);
    const app = await build(throttle);
    const first = await app.inject({ url: '/articles/1', headers: { 'user-agent': 'ua' } });
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /<h1>Article 1<\/h1>/);
    assert.match(first.body, /AD-SLOT/);
    assert.match(first.body, /SIDEBAR-AD/);
    const second = await app.inject({ url: '/articles/1', headers: { 'user-agent': 'ua' } });
    assert.doesNotMatch(second.body, /AD-SLOT/);
    assert.doesNotMatch(second.body, /SIDEBAR-AD/);
    assert.match(second.body, /<h1>Article 1<\/h1>/);
  });

  it('routes that do not opt in and templates that do not read ads count nothing', async () => {
    const throttle = recordingThrottle(true);
    const app = await build(throttle);
    const plain = await app.inject({ url: '/plain' });
    assert.doesNotMatch(plain.body, /AD-SLOT/);
    const lazy = await app.inject({ url: '/lazy' });
    assert.doesNotMatch(lazy.body, /AD-SLOT/);
    assert.equal(throttle.calls.length, 0);
  });

  it('the lazy showAds decides only when an async template awaits it', async () => {
    const throttle = recordingThrottle(true);
    const app = await build(throttle);
    const lazy = await app.inject({ url: '/lazy?read=1' });
    assert.match(lazy.body, /AD-SLOT/);
    assert.equal(throttle.calls.length, 1);
    assert.equal(throttle.calls[0]?.options?.scope, '/lazy');
  });

  it('case 71: the opt-in (context-processor equivalent) yields showAds=false from one decision on the path', async () => {
    const throttle = recordingThrottle(false);
    const app = await build(throttle);
    const response = await app.inject({
      url: '/articles/7?x=1',
      headers: { 'user-agent': 'ua' },
      remoteAddress: '10.0.0.9',
    });
    assert.doesNotMatch(response.body, /AD-SLOT/);
    const mainScope = throttle.calls.filter((call) => call.options?.scope === '/articles/7');
    assert.equal(mainScope.length, 1);
    assert.equal(throttle.calls.length, 2);
    const viewer = mainScope[0]?.viewer;
    assert.equal(viewer?.path, '/articles/7?x=1');
    assert.equal(viewer?.remoteAddress, '10.0.0.9');
  });

  it('case 72: one decision per scope per request; two scopes give two', async () => {
    const throttle = recordingThrottle(true);
    const app = await build(throttle);
    const response = await app.inject({ url: '/memo' });
    assert.deepEqual(response.json(), { a: true, b: true, c: true, d: true });
    assert.deepEqual(
      throttle.calls.map((call) => call.options?.scope),
      ['/articles/', '/a/', '/b/'],
    );
  });

  it('case 73: a route opt-in and the template helper on one page count one impression', async () => {
    const throttle = realThrottle(5);
    const app = await build(throttle);
    const response = await app.inject({ url: '/both?helper=%2Fboth', headers: { 'user-agent': 'ua' } });
    assert.match(response.body, /AD-SLOT/);
    assert.match(response.body, /HELPER-AD/);
    const state = await throttle.inspectViewer({
      remoteAddress: '127.0.0.1',
      headers: { 'user-agent': 'ua' },
      path: '/both',
    });
    assert.equal(state.count, 1);
  });
});
