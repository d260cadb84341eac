import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { buildExpressExample, recordingThrottle } from '../test/apps.ts';
import { createFakeClock } from '../test/fake-clock.ts';
import { createMemoryStore } from './memory.store.ts';
import { createAdsThrottle } from './throttle.ts';

const SECRET = 'express-suite-secret-0123456789abcdef';

async function serve(app: ReturnType<typeof buildExpressExample>) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    get: async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'user-agent': 'ua' } });
      return { status: response.status, body: await response.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Express example app', () => {
  const closers: Array<() => Promise<void>> = [];
  after(() => Promise.all(closers.map((close) => close())));

  it('renders a page with ads, then without once the viewer is throttled', async () => {
    const clock = createFakeClock();
    const throttle = createAdsThrottle({
      config: { hashSecret: SECRET, threshold: 1 },
      store: createMemoryStore({ clock }),
      clock,
    });
    const server = await serve(buildExpressExample(throttle));
    closers.push(server.close);
    const first = await server.get('/articles/1');
    assert.equal(first.status, 200);
    assert.match(first.body, /<h1>Article 1<\/h1>/);
    assert.match(first.body, /AD-SLOT/);
    const second = await server.get('/articles/1');
    assert.match(second.body, /<h1>Article 1<\/h1>/);
    assert.doesNotMatch(second.body, /AD-SLOT/);
  });

  it('case 72: shouldShowAds(req, { scope }) decides once per scope per request', async () => {
    const throttle = recordingThrottle(true);
    const server = await serve(buildExpressExample(throttle));
    closers.push(server.close);
    const response = await server.get('/x/helper?q=1');
    assert.deepEqual(JSON.parse(response.body), { first: true, again: true, other: true });
    assert.deepEqual(
      throttle.calls.map((call) => call.options?.scope),
      ['/articles/', '/other/'],
    );
    assert.equal(throttle.calls[0]?.viewer?.path, '/x/helper?q=1');
  });

  it('res.locals.showAds is lazy: decided when awaited, never for handlers that ignore it', async () => {
    const throttle = recordingThrottle(false);
    const server = await serve(buildExpressExample(throttle));
    closers.push(server.close);
    assert.equal((await server.get('/x/untouched')).body, 'no ads here');
    assert.equal(throttle.calls.length, 0);
    assert.equal((await server.get('/x/lazy')).body, 'without ads');
    assert.deepEqual(
      throttle.calls.map((call) => call.options?.scope),
      ['/x/lazy'],
    );
  });

  it('the helper reports a missing middleware with a stable code', async () => {
    const server = await serve(buildExpressExample(recordingThrottle(true)));
    closers.push(server.close);
    const response = await server.get('/no-middleware');
    assert.deepEqual([response.status, response.body], [500, 'ADS_THROTTLE_MIDDLEWARE_MISSING']);
  });
});
