import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startS3Server, type TestS3Server } from '@adnova/test-utils/s3-server';
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import {
  createStorage,
  isStorageKey,
  mediaTypeOf,
  type ObjectStorage,
  type StoredObject,
} from './storage.ts';

const silent = pino({ level: 'silent' });

async function bytesOf(object: StoredObject | undefined): Promise<Buffer | undefined> {
  if (!object) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The behaviour every backend shares, run against disk and a real S3-protocol server. */
function storageContract(name: string, open: () => Promise<{ storage: ObjectStorage; base: string }>) {
  describe(`${name}: storage contract`, () => {
    let storage: ObjectStorage;
    let base: string;
    before(async () => {
      ({ storage, base } = await open());
    });
    after(() => storage.close());

    test('put, get and overwrite round-trip the bytes', async () => {
      const key = `campaigns/${randomUUID()}/${randomUUID()}.png`;
      await storage.put(key, Buffer.from('first'), 'image/png');
      const got = await storage.get(key);
      assert.equal(got?.size, 5);
      assert.equal(String(await bytesOf(got)), 'first');
      await storage.put(key, Buffer.from('second!'), 'image/png');
      assert.equal(String(await bytesOf(await storage.get(key))), 'second!');
    });

    test('delete removes the object; deleting or reading a missing one is fine', async () => {
      const key = `campaigns/${randomUUID()}/${randomUUID()}.jpg`;
      await storage.put(key, Buffer.from('x'), 'image/jpeg');
      await storage.delete(key);
      assert.equal(await storage.get(key), undefined);
      await storage.delete(key);
      await storage.delete(`campaigns/${randomUUID()}/never.png`);
    });

    test('publicUrl is the public base plus the key', () => {
      assert.equal(storage.publicUrl('campaigns/a/b.png'), `${base}/campaigns/a/b.png`);
    });

    test('probe writes and deletes a probe object', async () => {
      await storage.probe();
      await Promise.all([storage.probe(), storage.probe(), storage.probe()]);
    });
  });
}

describe('disk storage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adnova-storage-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  storageContract('disk', async () => {
    const config = loadConfig({ DATA_DIR: dir, PUBLIC_BASE_URL: 'http://api.test/' }, '/srv');
    assert.equal(config.storage.kind, 'disk');
    return { storage: createStorage(config.storage, silent), base: 'http://api.test/media' };
  });

  test('files live under DATA_DIR/media; emptied key directories are removed; nothing escapes the root', async () => {
    const root = join(dir, 'media');
    const storage = createStorage(loadConfig({ DATA_DIR: dir }, '/srv').storage, silent);
    const campaign = randomUUID();
    await storage.put(`campaigns/${campaign}/a.png`, Buffer.from('a'), 'image/png');
    await storage.put(`campaigns/${campaign}/b.png`, Buffer.from('b'), 'image/png');
    assert.deepEqual((await readdir(join(root, 'campaigns', campaign))).sort(), ['a.png', 'b.png']);
    await storage.delete(`campaigns/${campaign}/a.png`);
    await storage.delete(`campaigns/${campaign}/b.png`);
    assert.ok(!(await readdir(join(root, 'campaigns'))).includes(campaign));
    assert.deepEqual(await readdir(join(root, '.tmp')), []);

    for (const key of ['../escape.png', 'campaigns/../../escape.png', '/etc/passwd', '.tmp/x']) {
      await assert.rejects(storage.put(key, Buffer.from('x'), 'image/png'), /invalid storage key/, key);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['media']);
  });

  test('keys and media types: only safe keys, only raster image extensions', () => {
    assert.ok(isStorageKey('campaigns/0c6a3d0e-7a41-4bb6-9a35-5e0b1c1f2f11/x_1.png'));
    for (const bad of [
      '',
      '/a.png',
      'a//b.png',
      '../a.png',
      'a/../b.png',
      'a/./b.png',
      '.tmp/a',
      'a b.png',
      'a\\b.png',
      'a%2fb.png',
    ]) {
      assert.equal(isStorageKey(bad), false, bad);
    }
    assert.equal(mediaTypeOf('campaigns/x/a.png'), 'image/png');
    assert.equal(mediaTypeOf('campaigns/x/a.jpg'), 'image/jpeg');
    assert.equal(mediaTypeOf('campaigns/x/a.webp'), 'image/webp');
    for (const bad of [
      'campaigns/x/a.svg',
      'campaigns/x/a.html',
      'campaigns/x.png/a',
      'health/probe-1',
      'a.constructor',
    ]) {
      assert.equal(mediaTypeOf(bad), undefined, bad);
    }
  });
});

describe('S3 storage (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  before(async () => {
    s3 = await startS3Server();
  });
  after(() => s3.close());

  storageContract('s3', async () => {
    const env = s3.env();
    const config = loadConfig(env, '/srv');
    assert.equal(config.storage.kind, 's3');
    return { storage: createStorage(config.storage, silent), base: `${s3.endpoint}/${env.S3_BUCKET}` };
  });

  test('creates the missing bucket on first use; objects are readable without credentials at publicUrl', async () => {
    const env = s3.env();
    assert.equal((await fetch(`${s3.endpoint}/${env.S3_BUCKET}`)).status, 404);
    const storage = createStorage(loadConfig(env, '/srv').storage, silent);
    try {
      const key = `campaigns/${randomUUID()}/${randomUUID()}.png`;
      await storage.put(key, Buffer.from('public bytes'), 'image/png');
      assert.equal((await fetch(`${s3.endpoint}/${env.S3_BUCKET}`)).status, 200);
      const res = await fetch(storage.publicUrl(key));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(await res.text(), 'public bytes');
      await storage.delete(key);
      assert.equal((await fetch(storage.publicUrl(key))).status, 404);
    } finally {
      await storage.close();
    }
  });

  test('a second process on an existing bucket uses it as is; S3_PUBLIC_URL sets the link base', async () => {
    const env = s3.env({ S3_PUBLIC_URL: 'https://cdn.example/media/' });
    const one = createStorage(loadConfig(env, '/srv').storage, silent);
    const two = createStorage(loadConfig(env, '/srv').storage, silent);
    try {
      await Promise.all([one.probe(), two.probe()]);
      const key = `campaigns/${randomUUID()}/a.gif`;
      await one.put(key, Buffer.from('gif'), 'image/gif');
      assert.equal(String(await bytesOf(await two.get(key))), 'gif');
      assert.equal(two.publicUrl(key), `https://cdn.example/media/${key}`);
    } finally {
      await one.close();
      await two.close();
    }
  });

  test('an unreachable endpoint makes probe fail', async () => {
    const storage = createStorage(
      loadConfig(s3.env({ S3_ENDPOINT: 'http://127.0.0.1:9' }), '/srv').storage,
      silent,
    );
    try {
      await assert.rejects(storage.probe());
    } finally {
      await storage.close();
    }
  });
});
