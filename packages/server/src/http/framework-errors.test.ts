import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { buildTestApp, json, useTestApp } from '../../test/helper.ts';

const UUID = '0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11';

/** The first response to raw bytes on a fresh connection: status, content type and body. */
function rawRequest(port: number, bytes: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        type: /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '',
        body,
      });
    });
  });
}

describe('issue 12 robustness: refusals below the routes carry the standard error body', () => {
  const ctx = useTestApp();

  test('paths that are not valid percent-encoded UTF-8, and over-long path parameters, are a 400', async () => {
    for (const url of [
      '/clients/%zz',
      `/ads/${UUID}%ED%A0%80/click`,
      '/advertisers/%/campaigns',
      `/clients/${'x'.repeat(5000)}`,
    ]) {
      const res = await ctx.app.inject({ method: url.includes('/click') ? 'POST' : 'GET', url });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.match(json<{ detail: string }>(res).detail, /^Malformed URL/);
    }
  });

  test('an OPTIONS request that is no CORS preflight is answered, not refused in plain text', async () => {
    const res = await ctx.app.inject({ method: 'OPTIONS', url: '/clients/bulk' });
    assert.ok(res.statusCode < 400, `${res.statusCode} ${res.body}`);
    const preflight = await ctx.app.inject({
      method: 'OPTIONS',
      url: '/clients/bulk',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
  });

  test('requests refused by Node itself (parser, Host, Expect, CONNECT) get a JSON detail', async (t) => {
    const { app } = await buildTestApp(t);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    const cases: [string, number][] = [
      ['GET /livez HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0000b\r\n\r\n', 400],
      ['GET /livez HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n', 400],
      [`GET /livez HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
      ['GET /livez HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
      [
        'POST /clients/bulk HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]',
        417,
      ],
      ['CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 405],
    ];
    for (const [bytes, status] of cases) {
      const res = await rawRequest(address.port, bytes);
      assert.equal(res.status, status, JSON.stringify(bytes.slice(0, 80)));
      assert.match(res.type, /^application\/json/);
      assert.equal(typeof (JSON.parse(res.body) as { detail: unknown }).detail, 'string');
    }
    // HTTP/1.0 needs no Host, and a normal request still works on the same server.
    assert.equal((await rawRequest(address.port, 'GET /livez HTTP/1.0\r\n\r\n')).status, 200);
  });
});
