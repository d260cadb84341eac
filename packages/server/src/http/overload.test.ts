import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, json } from '../../test/helper.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or `ms` pass; the samplers here tick every 500 ms. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

async function metricValue(app: FastifyInstance, line: RegExp): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  const match = res.body.split('\n').find((l) => line.test(l));
  return match === undefined ? 0 : Number(match.split(' ').at(-1));
}

describe('issue 12: load shedding and time bounds (spec §8 #41)', { timeout: 60_000 }, () => {
  test('memory pressure: 503 + Retry-After at once, while /livez, /health and /metrics stay reachable', async (t) => {
    // A heap bound every process is over: each sample finds the process under pressure.
    const { app } = await buildTestApp(t, {
      HTTP_SHED_HEAP_USED_BYTES: '1',
      HTTP_SHED_RETRY_AFTER_SECONDS: '7',
    });
    const client = `/clients/${randomUUID()}`;
    assert.ok(
      await eventually(async () => (await app.inject({ method: 'GET', url: client })).statusCode === 503),
      'requests are shed once the sampler sees the heap over its bound',
    );
    const shed = await app.inject({ method: 'GET', url: client });
    assert.equal(shed.statusCode, 503);
    assert.equal(shed.headers['retry-after'], '7');
    assert.match(json<{ detail: string }>(shed).detail, /overloaded/);
    for (const url of ['/livez', '/health?format=json', '/metrics']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
    }
    assert.ok((await metricValue(app, /^adnova_shed_requests_total\{reason="heapUsedBytes"\}/)) >= 2);
  });

  test('event-loop lag: requests are shed while the loop lags and served again once it recovers', async (t) => {
    const { app } = await buildTestApp(t, { HTTP_SHED_EVENT_LOOP_DELAY_MS: '100' });
    const client = `/clients/${randomUUID()}`;
    assert.equal((await app.inject({ method: 'GET', url: client })).statusCode, 404);
    const lagging = () => app.memoryUsage().eventLoopDelay > 100;
    // Block the loop the way a synchronous hog would, until the sampler has seen it.
    assert.ok(
      await eventually(async () => {
        const end = Date.now() + 400;
        while (Date.now() < end) {
          // busy: nothing else runs
        }
        await sleep(20);
        return lagging();
      }),
      'the sampler reports the lag',
    );
    const shed = await app.inject({ method: 'GET', url: client });
    assert.equal(shed.statusCode, 503);
    assert.ok(shed.headers['retry-after']);
    assert.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200);
    assert.ok(
      await eventually(async () => (await app.inject({ method: 'GET', url: client })).statusCode === 404),
      'a calm loop serves again',
    );
  });

  test('a request not answered within HTTP_HANDLER_TIMEOUT_MS gets 503, and the server goes on', async (t) => {
    const { app, deps } = await buildTestApp(t, { HTTP_HANDLER_TIMEOUT_MS: '300' });
    const client = `/clients/${randomUUID()}`;
    // Hold a lock the request needs (on PGlite, the one connection itself) past the bound.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = deps.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE clients IN ACCESS EXCLUSIVE MODE`);
      locked();
      await released;
    });
    t.after(async () => {
      release();
      await holder;
    });
    await isLocked;
    const slow = await app.inject({ method: 'GET', url: client });
    assert.equal(slow.statusCode, 503);
    assert.match(json<{ detail: string }>(slow).detail, /took too long/);
    assert.ok(slow.headers['retry-after']);
    release();
    await holder;
    assert.equal((await app.inject({ method: 'GET', url: client })).statusCode, 404);
  });

  test('a client sending its body slowly is cut off after HTTP_REQUEST_TIMEOUT_MS', async (t) => {
    const { app } = await buildTestApp(t, {
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      'POST /clients/bulk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[',
    );
    // One byte every 200 ms: never idle, never finished.
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 200);
    t.after(() => clearInterval(drip));
    const outcome = await Promise.race([closed.then(() => 'closed'), sleep(15_000).then(() => 'open')]);
    clearInterval(drip);
    assert.equal(outcome, 'closed', 'the server hung up on the slow client');
    // The bound plus Node's once-a-second check, with room for a busy machine.
    assert.ok(Date.now() - started < 10_000, `closed after ${Date.now() - started} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  test('optional per-IP rate limit: 429 + Retry-After beyond HTTP_RATE_LIMIT_MAX; probes exempt', async (t) => {
    const { app } = await buildTestApp(t, { HTTP_RATE_LIMIT_MAX: '3', HTTP_RATE_LIMIT_WINDOW_SECONDS: '60' });
    const client = `/clients/${randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.inject({ method: 'GET', url: client })).statusCode);
    assert.deepEqual(statuses, [404, 404, 404, 429, 429]);
    const limited = await app.inject({ method: 'GET', url: client });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.match(json<{ detail: string }>(limited).detail, /Too many requests/);
    // Another client address has its own budget.
    const other = await app.inject({ method: 'GET', url: client, remoteAddress: '10.0.0.9' });
    assert.equal(other.statusCode, 404);
    for (const url of ['/livez', '/health?format=json', '/metrics']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
    }
    assert.ok((await metricValue(app, /^adnova_shed_requests_total\{reason="rateLimit"\}/)) >= 3);
  });

  test('without HTTP_RATE_LIMIT_MAX there is no rate limit (the contract has none)', async (t) => {
    const { app } = await buildTestApp(t);
    const client = `/clients/${randomUUID()}`;
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => app.inject({ method: 'GET', url: client }).then((r) => r.statusCode)),
    );
    assert.ok(statuses.every((s) => s === 404));
  });
});
