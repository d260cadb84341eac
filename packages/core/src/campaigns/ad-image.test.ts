import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blackPng } from '@adnova/test-utils/images';
import sharp from 'sharp';
import { upsertAdvertisers } from '../advertisers/advertisers.ts';
import { loadConfig } from '../config.ts';
import { createDeps, type Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import {
  deleteCampaignImage,
  IMAGE_INVALID,
  IMAGE_TOO_BIG,
  imageDecodes,
  inspectImage,
  MAX_IMAGE_BYTES,
  setCampaignImage,
} from './ad-image.ts';
import { createCampaign, deleteCampaign, getCampaign } from './campaigns.ts';

const canvas = () => sharp({ create: { width: 32, height: 24, channels: 3, background: '#3366cc' } });

/** Real images of every accepted format, made by sharp. */
async function sampleImages() {
  return {
    png: await canvas().png().toBuffer(),
    jpeg: await canvas().jpeg().toBuffer(),
    gif: await canvas().gif().toBuffer(),
    webp: await canvas().webp().toBuffer(),
    tiff: await canvas().tiff().toBuffer(),
    avif: await canvas().avif().toBuffer(),
  };
}

const rejection = (message: string) => (error: unknown) =>
  error instanceof AppError && error.code === 'VALIDATION' && error.message === message;

/** What `inspectImage` reads: the image bounds of a config built from `env`. */
const withConfig = (env: Record<string, string> = {}) => ({
  config: loadConfig({ LOG_LEVEL: 'silent', ...env }),
});

/** Takes every decode slot and the whole queue until `release()`; nothing waits on timing. */
async function holdDecodes(deps: ReturnType<typeof withConfig>) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { decodeConcurrency, decodeQueue } = deps.config.images;
  const holders = Array.from({ length: decodeConcurrency + decodeQueue }, () =>
    imageDecodes(deps).run(() => held),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return async () => {
    release();
    await Promise.all(holders);
  };
}

describe('inspectImage', () => {
  let images: Awaited<ReturnType<typeof sampleImages>>;
  const deps = withConfig();
  const inspect = (data: Buffer) => inspectImage(deps, data);
  before(async () => {
    images = await sampleImages();
  });

  test('accepts PNG, JPEG, GIF, WebP, TIFF and AVIF, naming the extension and content type', async () => {
    assert.deepEqual(await inspect(images.png), { ext: 'png', contentType: 'image/png' });
    assert.deepEqual(await inspect(images.jpeg), { ext: 'jpg', contentType: 'image/jpeg' });
    assert.deepEqual(await inspect(images.gif), { ext: 'gif', contentType: 'image/gif' });
    assert.deepEqual(await inspect(images.webp), { ext: 'webp', contentType: 'image/webp' });
    assert.deepEqual(await inspect(images.tiff), { ext: 'tiff', contentType: 'image/tiff' });
    assert.deepEqual(await inspect(images.avif), { ext: 'avif', contentType: 'image/avif' });
  });

  test('rejects text, empty, truncated and corrupt files, SVG, and decompression bombs', async () => {
    assert.deepEqual(await inspect(blackPng(64, 48)), { ext: 'png', contentType: 'image/png' });
    const bad: Record<string, Buffer> = {
      'text file': Buffer.from('definitely not a picture\n'),
      empty: Buffer.alloc(0),
      'truncated PNG': images.png.subarray(0, images.png.length - 24),
      'PNG header only': images.png.subarray(0, 40),
      'truncated JPEG': images.jpeg.subarray(0, Math.floor(images.jpeg.length / 2)),
      'corrupt PNG': Buffer.concat([
        images.png.subarray(0, 60),
        Buffer.alloc(200, 7),
        images.png.subarray(260),
      ]),
      SVG: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
      ),
      'over IMAGE_MAX_PIXELS': blackPng(10_000, 10_000),
      'the issue 12 bomb (88 megapixels in a few KB)': blackPng(9380, 9380),
    };
    for (const [name, data] of Object.entries(bad)) {
      await assert.rejects(inspect(data), rejection(IMAGE_INVALID), name);
    }
  });

  test('issue 12: one pixel over IMAGE_MAX_PIXELS is refused from the header, without waiting for a decode', async () => {
    // Every decode slot and queue place is taken: only a check that never decodes can answer.
    const busy = withConfig({ IMAGE_DECODE_CONCURRENCY: '1', IMAGE_DECODE_QUEUE: '0' });
    const release = await holdDecodes(busy);
    const black = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#000' } })
        .png()
        .toBuffer();
    const over = await black(4097, 4096);
    const atLimit = await black(4096, 4096);
    await assert.rejects(inspectImage(busy, over), rejection(IMAGE_INVALID));
    await assert.rejects(inspectImage(busy, blackPng(4096, 4097)), rejection(IMAGE_INVALID));
    await assert.rejects(
      // 32 × 24 = 768 pixels: one over.
      inspectImage(withConfig({ IMAGE_MAX_PIXELS: '767' }), images.png),
      rejection(IMAGE_INVALID),
    );
    // Under the limit, the image needs a decode: with none free it is refused as a busy service.
    await assert.rejects(inspectImage(busy, atLimit), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'UNAVAILABLE');
      assert.match(error.details.headers?.['Retry-After'] ?? '', /^[1-9]\d*$/);
      return true;
    });
    await release();
    assert.deepEqual(await inspectImage(busy, atLimit), { ext: 'png', contentType: 'image/png' });
    assert.deepEqual(await inspectImage(busy, blackPng(4096, 4096)), {
      ext: 'png',
      contentType: 'image/png',
    });
  });

  test('issue 12: parallel checks never decode more than IMAGE_DECODE_CONCURRENCY images at once', async () => {
    const limited = withConfig({ IMAGE_DECODE_CONCURRENCY: '2', IMAGE_DECODE_QUEUE: '30' });
    const files = Array.from({ length: 24 }, (_, i) => blackPng(600 + i, 400));
    const results = await Promise.all(files.map((file) => inspectImage(limited, file)));
    assert.equal(results.length, 24);
    const stats = imageDecodes(limited).stats();
    assert.ok(stats.peak >= 1 && stats.peak <= 2, `peak ${stats.peak}`);
    assert.deepEqual([stats.active, stats.waiting], [0, 0]);

    // Past the queue, the surplus is refused at once rather than queued.
    const tight = withConfig({ IMAGE_DECODE_CONCURRENCY: '2', IMAGE_DECODE_QUEUE: '3' });
    const release = await holdDecodes(tight);
    const refused = await Promise.allSettled(files.slice(0, 5).map((file) => inspectImage(tight, file)));
    assert.deepEqual(
      refused.map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok')),
      Array(5).fill('UNAVAILABLE'),
    );
    await release();
    assert.equal(imageDecodes(tight).stats().peak, 2);
  });
});

describe('campaign images (domain)', () => {
  let deps: Deps;
  let dataDir: string;
  let images: Awaited<ReturnType<typeof sampleImages>>;
  before(async () => {
    images = await sampleImages();
    dataDir = await mkdtemp(join(tmpdir(), 'adnova-ad-image-'));
    deps = await createDeps(
      loadConfig({
        DATABASE_URL: 'memory://',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        PUBLIC_BASE_URL: 'http://api.test',
      }),
    );
  });
  after(async () => {
    await deps.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function campaign() {
    const advertiser = { advertiser_id: randomUUID(), name: 'Acme' };
    await upsertAdvertisers(deps, [advertiser]);
    const c = await createCampaign(deps, advertiser.advertiser_id, {
      impressions_limit: 10,
      clicks_limit: 1,
      cost_per_impression: 1,
      cost_per_click: 1,
      ad_title: 't',
      ad_text: 'x',
      start_date: 0,
      end_date: 5,
    });
    return { advertiserId: advertiser.advertiser_id, campaignId: c.campaign_id };
  }
  const filesOf = async (campaignId: string) =>
    readdir(join(dataDir, 'media', 'campaigns', campaignId)).catch(() => []);

  test('stores under campaigns/{id}/{random}.{ext of the decoded format}; the URL is the public media URL', async () => {
    const { advertiserId, campaignId } = await campaign();
    const c = await setCampaignImage(deps, advertiserId, campaignId, { data: images.webp, truncated: false });
    assert.match(
      c.ad_image ?? '',
      new RegExp(`^http://api\\.test/media/campaigns/${campaignId}/[0-9a-f-]{36}\\.webp$`),
    );
    assert.deepEqual(await getCampaign(deps, advertiserId, campaignId), c);
    assert.equal((await filesOf(campaignId)).length, 1);
  });

  test('order of checks: unknown campaign, then size, then decoding', async () => {
    const { advertiserId, campaignId } = await campaign();
    const tooBig = { data: Buffer.alloc(MAX_IMAGE_BYTES), truncated: false };
    await assert.rejects(setCampaignImage(deps, advertiserId, randomUUID(), tooBig), { code: 'NOT_FOUND' });
    await assert.rejects(setCampaignImage(deps, randomUUID(), campaignId, tooBig), { code: 'NOT_FOUND' });
    await assert.rejects(setCampaignImage(deps, advertiserId, campaignId, tooBig), rejection(IMAGE_TOO_BIG));
    await assert.rejects(
      setCampaignImage(deps, advertiserId, campaignId, { data: images.png, truncated: true }),
      rejection(IMAGE_TOO_BIG),
    );
    await assert.rejects(
      setCampaignImage(deps, advertiserId, campaignId, {
        data: Buffer.alloc(MAX_IMAGE_BYTES - 1),
        truncated: false,
      }),
      rejection(IMAGE_INVALID),
    );
    assert.deepEqual(await filesOf(campaignId), []);
  });

  test('replacing deletes the previous object; deleting the image twice succeeds', async () => {
    const { advertiserId, campaignId } = await campaign();
    await setCampaignImage(deps, advertiserId, campaignId, { data: images.png, truncated: false });
    const second = await setCampaignImage(deps, advertiserId, campaignId, {
      data: images.gif,
      truncated: false,
    });
    assert.deepEqual(await filesOf(campaignId), [second.ad_image?.split('/').pop()]);
    await deleteCampaignImage(deps, advertiserId, campaignId);
    await deleteCampaignImage(deps, advertiserId, campaignId);
    assert.equal((await getCampaign(deps, advertiserId, campaignId)).ad_image, null);
    assert.deepEqual(await filesOf(campaignId), []);
    await assert.rejects(deleteCampaignImage(deps, randomUUID(), campaignId), { code: 'NOT_FOUND' });
  });

  test('deleting the campaign deletes its image; a failing object delete is logged, not thrown', async () => {
    const { advertiserId, campaignId } = await campaign();
    await setCampaignImage(deps, advertiserId, campaignId, { data: images.jpeg, truncated: false });
    await deleteCampaign(deps, advertiserId, campaignId);
    assert.deepEqual(await filesOf(campaignId), []);

    const other = await campaign();
    await setCampaignImage(deps, other.advertiserId, other.campaignId, {
      data: images.png,
      truncated: false,
    });
    const failing = {
      ...deps,
      storage: {
        ...deps.storage,
        delete: async () => {
          throw new Error('storage is down');
        },
      },
    };
    await deleteCampaign(failing, other.advertiserId, other.campaignId);
    await assert.rejects(getCampaign(deps, other.advertiserId, other.campaignId), { code: 'NOT_FOUND' });
  });

  test('a storage failure on upload is UNAVAILABLE and leaves the campaign unchanged', async () => {
    const { advertiserId, campaignId } = await campaign();
    const failing = {
      ...deps,
      storage: {
        ...deps.storage,
        put: async () => {
          throw new Error('disk full');
        },
      },
    };
    await assert.rejects(
      setCampaignImage(failing, advertiserId, campaignId, { data: images.png, truncated: false }),
      { code: 'UNAVAILABLE' },
    );
    assert.equal((await getCampaign(deps, advertiserId, campaignId)).ad_image, null);
  });
});
