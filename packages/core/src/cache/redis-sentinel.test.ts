import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { SENTINEL_SKIP, type SentinelGroup, startSentinelGroup } from '@adnova/test-utils/redis-sentinel';
import { Redis } from 'ioredis';
import { createRedisClient, type RedisClient, type RedisConnection } from './redis-connection.ts';

if (SENTINEL_SKIP) console.log(`\x1b[33m*** ${SENTINEL_SKIP} ***\x1b[0m`);

/**
 * A TCP proxy in front of `port` that holds every reply for `delayMs`: a sentinel that answers
 * slowly, as one does on a loaded machine, so that a client spends most of each reconnect attempt
 * asking it for the primary.
 */
async function slowProxy(port: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      setTimeout(() => client.writable && client.write(chunk), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const connectionOf = (group: SentinelGroup, sentinels = group.sentinels): RedisConnection => ({
  mode: 'sentinel',
  name: group.name,
  db: 0,
  sentinels: sentinels.split(',').map((hostPort) => {
    const [host = '', port = ''] = hostPort.split(':');
    return { host, port: Number(port) };
  }),
});

/** Clients opened as the cache opens its own (commands fail after two reconnects). */
function openClients(connection: RedisConnection, count: number): RedisClient[] {
  return Array.from({ length: count }, () => {
    const client = createRedisClient(connection, { maxRetriesPerRequest: 2 });
    client.on('error', () => {});
    return client;
  });
}

/**
 * Waits until every client has written `after-failover-<its index>`, or `ms` passed; returns the
 * statuses of the clients that did not.
 */
async function untilAllWrite(clients: RedisClient[], ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let failing = clients.map((client, index) => ({ client, index }));
  while (failing.length > 0 && Date.now() < deadline) {
    const results = await Promise.allSettled(
      failing.map((c) => c.client.set(`after-failover-${c.index}`, '1')),
    );
    failing = failing.filter((_, i) => results[i]?.status === 'rejected');
    if (failing.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return failing.map((c) => (c.client as Redis).status);
}

async function promoted(group: SentinelGroup, from: number): Promise<void> {
  for (const started = Date.now(); (await group.primaryPort()) === from; ) {
    assert.ok(Date.now() - started < 60_000, 'the sentinels did not promote the replica within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('Sentinel clients follow a crash of the primary even when the sentinels answer slowly', {
  skip: SENTINEL_SKIP,
  timeout: 120_000,
}, async (t) => {
  const group = await startSentinelGroup();
  t.after(() => group.stop());
  // Each client asks a slow sentinel first. With ioredis's failoverDetector, the +switch-master
  // message then lands while most clients are mid-question, and ioredis ended them for good
  // (without the proxy, 100 of 600 clients on a loaded machine; with it, most clients every run).
  const [first = '', ...rest] = group.sentinels.split(',');
  const proxy = await slowProxy(Number(first.split(':')[1]), 150);
  t.after(() => proxy.close());
  const clients = openClients(connectionOf(group, [`127.0.0.1:${proxy.port}`, ...rest].join(',')), 40);
  t.after(() => {
    for (const client of clients) client.disconnect();
  });
  await Promise.all(clients.map((client) => client.ping()));

  const crashed = group.primary.port;
  await group.primary.kill('SIGKILL');
  await promoted(group, crashed);
  assert.deepEqual(await untilAllWrite(clients, 20_000), [], 'clients that never wrote again');
  const ended = clients.filter((client) => (client as Redis).status === 'end').length;
  assert.equal(ended, 0);
});

test('Sentinel clients follow a failover whose old primary stays up (SENTINEL FAILOVER)', {
  skip: SENTINEL_SKIP,
  timeout: 120_000,
}, async (t) => {
  const group = await startSentinelGroup();
  t.after(() => group.stop());
  const clients = openClients(connectionOf(group), 10);
  t.after(() => {
    for (const client of clients) client.disconnect();
  });
  await Promise.all(clients.map((client) => client.set('before', '1')));

  const [sentinel = ''] = group.sentinels.split(',');
  const admin = new Redis({
    host: '127.0.0.1',
    port: Number(sentinel.split(':')[1]),
    maxRetriesPerRequest: 1,
  });
  t.after(() => admin.disconnect());
  assert.equal(await admin.call('SENTINEL', 'FAILOVER', group.name), 'OK');
  await promoted(group, group.primary.port);

  // Until the sentinels turn the old primary into a replica (and kill its clients), clients that
  // are still on it write there; those writes are lost with its resync, as asynchronous
  // replication loses the last writes of any failover.
  const direct = (port: number) => {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    t.after(() => client.disconnect());
    return client;
  };
  const old = direct(group.primary.port);
  for (const started = Date.now(); (await old.role())[0] !== 'slave'; ) {
    assert.ok(Date.now() - started < 20_000, 'the sentinels did not turn the old primary into a replica');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(await untilAllWrite(clients, 20_000), [], 'clients that never wrote again');
  // Every client's write landed on the promoted replica; the old primary refuses writes.
  const promotedPrimary = direct(group.replica.port);
  for (let i = 0; i < clients.length; i++)
    assert.equal(await promotedPrimary.get(`after-failover-${i}`), '1');
  await assert.rejects(old.set('x', '1'), /READONLY/);
});
