import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real PostgreSQL or Redis, so a test can take the
 * service away from a running server process the two ways networks fail: `refuse()` (the service
 * stopped: open connections reset, new ones refused) and `blackhole()` (a partition: connections
 * stay open and accept bytes, but nothing ever answers).
 */
export type TcpProxy = {
  port: number;
  /** `target` with the proxy's host and port, e.g. a `postgres://` or `redis://` URL. */
  url(target: string): string;
  refuse(): Promise<void>;
  blackhole(): void;
  close(): Promise<void>;
};

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'blackhole' = 'forward';
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.on('data', (chunk) => {
      if (mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'forward') client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (mode === 'forward') client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const refuse = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.resetAndDestroy();
    });
  };
  return {
    port,
    url(target) {
      const url = new URL(target);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    refuse,
    blackhole() {
      mode = 'blackhole';
    },
    async close() {
      if (server.listening) await refuse();
      for (const socket of sockets) socket.destroy();
    },
  };
}
