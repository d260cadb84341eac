import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export type TestS3Server = {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** `S3_*` variables for `loadConfig`, naming a fresh bucket that does not exist yet. */
  env(overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
};

/**
 * A real S3-protocol server (s3rver) in this process on 127.0.0.1, on a free port, keeping its
 * objects in a temporary directory removed on close; it accepts the credentials S3RVER/S3RVER.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'adnova-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let buckets = 0;
  return {
    endpoint,
    env: (overrides = {}) => ({
      S3_ENDPOINT: endpoint,
      S3_BUCKET: `adnova-test-${process.pid}-${++buckets}`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      ...overrides,
    }),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
