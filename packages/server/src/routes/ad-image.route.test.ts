import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { imageDecodes } from '@adnova/core/campaigns/ad-image';
import { startS3Server, type TestS3Server } from '@adnova/test-utils/s3-server';
import sharp from 'sharp';
import {
  buildTestApp,
  getAd,
  json,
  seed,
  startTestApp,
  type TestApp,
  useTestApp,
} from '../../test/helper.ts';
import { type FormPart, multipartBody } from '../../test/multipart.ts';

type Campaign = { campaign_id: string; advertiser_id: string; ad_image: string | null; targeting: unknown };

const MiB = 1024 * 1024;
const TOO_BIG = "File can't be bigger than 10MB.";
const INVALID = 'File must be a valid image.';

const canvas = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#cc3366' } });
const images = {
  png: await canvas().png().toBuffer(),
  jpeg: await canvas().jpeg().toBuffer(),
  gif: await canvas().gif().toBuffer(),
  webp: await canvas().webp().toBuffer(),
};

const imagePart = (data: Buffer, filename = 'banner.png', contentType = 'image/png'): FormPart => ({
  name: 'ad_image',
  filename,
  contentType,
  data,
});

const imageUrl = (c: { advertiser_id: string; campaign_id: string }) =>
  `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}/ad_image`;

/** The path of an absolute URL, for `app.inject`. */
const pathOf = (url: string) => new URL(url).pathname;

function calls(ctx: TestApp) {
  const upload = (c: { advertiser_id: string; campaign_id: string }, parts: FormPart[]) =>
    ctx.app.inject({ method: 'POST', url: imageUrl(c), ...multipartBody(parts) });
  const remove = (c: { advertiser_id: string; campaign_id: string }) =>
    ctx.app.inject({ method: 'DELETE', url: imageUrl(c) });
  const newCampaign = async (overrides: Parameters<ReturnType<typeof seed>['campaign']>[1] = {}) => {
    const s = seed(ctx.app);
    const a = await s.advertiser();
    return s.campaign(a.advertiser_id, overrides);
  };
  const files = async (campaignId: string) => {
    if (ctx.config.storage.kind !== 'disk') throw new Error('disk storage expected');
    return readdir(join(ctx.config.storage.dir, 'campaigns', campaignId)).catch(() => [] as string[]);
  };
  return { upload, remove, newCampaign, files };
}

describe('campaign images', () => {
  const ctx = useTestApp();
  const { upload, remove, newCampaign, files } = calls(ctx);

  describe('happy path', () => {
    test('upload returns the full Campaign with the public media URL; GET of the URL returns the bytes', async () => {
      const c = await newCampaign({ targeting: { gender: 'FEMALE', age_from: 20 } });
      const res = await upload(c, [imagePart(images.png)]);
      assert.equal(res.statusCode, 200, res.body);
      const body = json<Campaign>(res);
      assert.match(
        body.ad_image ?? '',
        new RegExp(`^http://adnova\\.test/media/campaigns/${c.campaign_id}/[0-9a-f-]{36}\\.png$`),
      );
      // Spec §8 #27: the real targeting, not null.
      assert.deepEqual(body, { ...c, ad_image: body.ad_image });
      const got = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.deepEqual(json(got), body);

      const media = await ctx.app.inject({ method: 'GET', url: pathOf(body.ad_image ?? '') });
      assert.equal(media.statusCode, 200);
      assert.deepEqual(media.rawPayload, images.png);
      assert.equal(media.headers['content-type'], 'image/png');
      assert.equal(media.headers['content-length'], String(images.png.length));
      assert.equal(media.headers['x-content-type-options'], 'nosniff');
      assert.match(String(media.headers['cache-control']), /max-age=\d+.*immutable/);
      const head = await ctx.app.inject({ method: 'HEAD', url: pathOf(body.ad_image ?? '') });
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers['content-type'], 'image/png');
    });

    test('PNG, JPEG, GIF and WebP are accepted; name and declared type are ignored, the decoded format decides', async () => {
      const c = await newCampaign();
      const cases = [
        [images.png, 'png', 'image/png'],
        [images.jpeg, 'jpg', 'image/jpeg'],
        [images.gif, 'gif', 'image/gif'],
        [images.webp, 'webp', 'image/webp'],
      ] as const;
      for (const [data, ext, type] of cases) {
        const res = await upload(c, [imagePart(data, 'page.html', 'text/html')]);
        assert.equal(res.statusCode, 200, `${ext}: ${res.body}`);
        const url = json<Campaign>(res).ad_image ?? '';
        assert.ok(url.endsWith(`.${ext}`), url);
        const media = await ctx.app.inject({ method: 'GET', url: pathOf(url) });
        assert.equal(media.headers['content-type'], type);
        assert.deepEqual(media.rawPayload, data);
      }
    });

    test('replacing deletes the old object', async () => {
      const c = await newCampaign();
      const first = json<Campaign>(await upload(c, [imagePart(images.png)])).ad_image ?? '';
      const second = json<Campaign>(await upload(c, [imagePart(images.jpeg, 'b.jpg')])).ad_image ?? '';
      assert.notEqual(first, second);
      assert.equal((await ctx.app.inject({ method: 'GET', url: pathOf(first) })).statusCode, 404);
      assert.equal((await ctx.app.inject({ method: 'GET', url: pathOf(second) })).statusCode, 200);
      assert.deepEqual(await files(c.campaign_id), [second.split('/').pop()]);
    });

    test('DELETE answers 204 with or without an image, clears ad_image and removes the file', async () => {
      const c = await newCampaign();
      const url = json<Campaign>(await upload(c, [imagePart(images.gif, 'a.gif')])).ad_image ?? '';
      const first = await remove(c);
      assert.equal(first.statusCode, 204);
      assert.equal(first.body, '');
      assert.equal((await remove(c)).statusCode, 204);
      const got = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.equal(json<Campaign>(got).ad_image, null);
      assert.equal((await ctx.app.inject({ method: 'GET', url: pathOf(url) })).statusCode, 404);
      assert.deepEqual(await files(c.campaign_id), []);
    });

    test('deleting the campaign deletes its image', async () => {
      const c = await newCampaign();
      const url = json<Campaign>(await upload(c, [imagePart(images.webp, 'a.webp')])).ad_image ?? '';
      const res = await ctx.app.inject({
        method: 'DELETE',
        url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      assert.equal(res.statusCode, 204);
      assert.equal((await ctx.app.inject({ method: 'GET', url: pathOf(url) })).statusCode, 404);
      assert.deepEqual(await files(c.campaign_id), []);
    });

    test('GET /ads carries the image URL of the served campaign', async (t) => {
      // An app of its own: the suite's other campaigns target anyone and could win the auction.
      const own = await buildTestApp(t);
      const c = await calls(own).newCampaign();
      const url = json<Campaign>(await calls(own).upload(c, [imagePart(images.png)])).ad_image;
      const client = await seed(own.app).client();
      const ad = await getAd(own.app, client.client_id);
      assert.equal(ad.statusCode, 200, ad.body);
      assert.equal(json<{ ad_image: string | null }>(ad).ad_image, url);
    });

    test('other form fields and files are ignored', async () => {
      const c = await newCampaign();
      const res = await upload(c, [
        { name: 'note', value: 'hello' },
        { name: 'other', filename: 'x.txt', contentType: 'text/plain', data: Buffer.from('text') },
        imagePart(images.png),
      ]);
      assert.equal(res.statusCode, 200, res.body);
    });

    test('simultaneous uploads leave exactly one object: the one the campaign points at', async () => {
      const c = await newCampaign();
      const all = await Promise.all(
        [images.png, images.jpeg, images.gif, images.webp, images.png, images.jpeg].map((data) =>
          upload(c, [imagePart(data)]),
        ),
      );
      assert.deepEqual(
        all.map((r) => r.statusCode),
        [200, 200, 200, 200, 200, 200],
      );
      const got = await ctx.app.inject({
        method: 'GET',
        url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
      });
      const current = json<Campaign>(got).ad_image ?? '';
      assert.deepEqual(await files(c.campaign_id), [current.split('/').pop()]);
    });
  });

  describe('errors', () => {
    test('400 when the ad_image file part is missing', async () => {
      const c = await newCampaign();
      const bodies = [
        {},
        { payload: { ad_image: 'x' } },
        multipartBody([{ name: 'image', filename: 'a.png', contentType: 'image/png', data: images.png }]),
        multipartBody([{ name: 'ad_image', value: 'not a file' }]),
        multipartBody([]),
      ];
      for (const body of bodies) {
        const res = await ctx.app.inject({ method: 'POST', url: imageUrl(c), ...body });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(json<{ detail: string }>(res).detail, 'ad_image file is required.');
      }
    });

    test('400 for malformed ids, before anything else', async () => {
      const c = await newCampaign();
      for (const url of [
        `/advertisers/nope/campaigns/${c.campaign_id}/ad_image`,
        `/advertisers/${c.advertiser_id}/campaigns/123/ad_image`,
      ]) {
        const post = await ctx.app.inject({ method: 'POST', url, ...multipartBody([imagePart(images.png)]) });
        assert.equal(post.statusCode, 400, post.body);
        assert.ok(Array.isArray(json<{ detail: unknown }>(post).detail));
        const del = await ctx.app.inject({ method: 'DELETE', url });
        assert.equal(del.statusCode, 400);
      }
    });

    test('404 for an unknown campaign or one of another advertiser, before the size check', async () => {
      const c = await newCampaign();
      const other = await seed(ctx.app).advertiser();
      const tooBig = Buffer.alloc(10 * MiB);
      for (const target of [
        { advertiser_id: c.advertiser_id, campaign_id: randomUUID() },
        { advertiser_id: other.advertiser_id, campaign_id: c.campaign_id },
      ]) {
        const res = await upload(target, [imagePart(tooBig)]);
        assert.equal(res.statusCode, 404, res.body);
        assert.deepEqual(json(res), { detail: 'Not Found' });
        assert.equal((await remove(target)).statusCode, 404);
      }
    });

    test('400 at exactly 10 MiB and above; just under is checked as an image', async () => {
      const c = await newCampaign();
      for (const size of [10 * MiB, 10 * MiB + 1, 12 * MiB]) {
        const res = await upload(c, [imagePart(Buffer.alloc(size, 1))]);
        assert.equal(res.statusCode, 400, `${size}: ${res.body}`);
        assert.deepEqual(json(res), { detail: TOO_BIG });
      }
      const under = await upload(c, [imagePart(Buffer.alloc(10 * MiB - 1, 1))]);
      assert.deepEqual([under.statusCode, json(under)], [400, { detail: INVALID }]);
      assert.deepEqual(await files(c.campaign_id), []);
    });

    test('400 "File must be a valid image." for a text file named .png, a truncated PNG and an empty file', async () => {
      const c = await newCampaign();
      for (const data of [
        Buffer.from('just some text\n'),
        images.png.subarray(0, images.png.length - 30),
        Buffer.alloc(0),
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      ]) {
        const res = await upload(c, [imagePart(data, 'photo.png', 'image/png')]);
        assert.equal(res.statusCode, 400, res.body);
        assert.deepEqual(json(res), { detail: INVALID });
      }
      assert.deepEqual(await files(c.campaign_id), []);
    });

    test('400 for two ad_image files and for bodies that are not valid multipart', async () => {
      const c = await newCampaign();
      const twice = await upload(c, [imagePart(images.png), imagePart(images.gif)]);
      assert.deepEqual([twice.statusCode, json(twice)], [400, { detail: 'Send exactly one ad_image file.' }]);
      const valid = multipartBody([imagePart(images.png)]);
      const broken = [
        { headers: { 'content-type': 'multipart/form-data' }, payload: valid.payload },
        { headers: valid.headers, payload: valid.payload.subarray(0, 200) },
        { headers: valid.headers, payload: Buffer.from('garbage without any boundary') },
      ];
      for (const body of broken) {
        const res = await ctx.app.inject({ method: 'POST', url: imageUrl(c), ...body });
        assert.equal(res.statusCode, 400, res.body);
      }
      assert.equal(
        json<Campaign>(
          await ctx.app.inject({
            method: 'GET',
            url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
          }),
        ).ad_image,
        null,
      );
    });

    test('no multipart body of any shape produces a 5xx', async () => {
      const c = await newCampaign();
      const boundary = 'xyz';
      const raw = (body: string) => ({
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.from(body.replaceAll('\n', '\r\n')),
      });
      const file = (name: string) =>
        `--${boundary}\nContent-Disposition: form-data; name="${name}"; filename="a.png"\nContent-Type: image/png\n\nxx\n`;
      const bodies = [
        raw(`${file('__proto__')}--${boundary}--\n`),
        raw(
          `--${boundary}\nContent-Disposition: form-data; name="j"\nContent-Type: application/json\n\n{bad\n--${boundary}--\n`,
        ),
        raw(
          `${Array.from({ length: 40 }, (_, i) => `--${boundary}\nContent-Disposition: form-data; name="f${i}"\n\nv\n`).join('')}--${boundary}--\n`,
        ),
        raw(`${Array.from({ length: 8 }, (_, i) => file(`f${i}`)).join('')}--${boundary}--\n`),
        raw(`--${boundary}\nContent-Disposition: form-data; name="ad_image"; filename="a.png"\n\n`),
        raw(`--other\nContent-Disposition: form-data; name="ad_image"; filename="a.png"\n\nxx\n--other--\n`),
        raw(`--${boundary}\nnot a header line\n\nxx\n--${boundary}--\n`),
        { headers: { 'content-type': 'multipart/form-data; boundary=' }, payload: Buffer.from('x') },
        { headers: { 'content-type': 'multipart/mixed; boundary=xyz' }, payload: Buffer.from('x') },
        { headers: { 'content-type': 'image/png' }, payload: images.png },
      ];
      for (const body of bodies) {
        const res = await ctx.app.inject({ method: 'POST', url: imageUrl(c), ...body });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.equal(typeof json<{ detail: unknown }>(res).detail, 'string');
      }
    });

    test('issue 12: one pixel over IMAGE_MAX_PIXELS is a 400 from the header, even with every decode slot taken', async (t) => {
      const busy = await buildTestApp(t, { IMAGE_DECODE_CONCURRENCY: '1', IMAGE_DECODE_QUEUE: '0' });
      const s = seed(busy.app);
      const c = await s.campaign((await s.advertiser()).advertiser_id);
      const black = (width: number, height: number) =>
        sharp({ create: { width, height, channels: 3, background: '#000' } })
          .png()
          .toBuffer();
      const send = async (data: Buffer) =>
        busy.app.inject({ method: 'POST', url: imageUrl(c), ...multipartBody([imagePart(data)]) });

      let release = () => {};
      const held = imageDecodes(busy.deps).run(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      // 4097 × 4096 is over the default 4096 × 4096: refused without a decode, so no slot is needed.
      const over = await send(await black(4097, 4096));
      assert.deepEqual([over.statusCode, json(over)], [400, { detail: INVALID }]);
      // At the limit it must be decoded: with no slot and no queue place, 503 and a hint when to retry.
      const atLimit = await black(4096, 4096);
      const refused = await send(atLimit);
      assert.equal(refused.statusCode, 503, refused.body);
      assert.match(String(refused.headers['retry-after']), /^[1-9]\d*$/);
      assert.equal(typeof json<{ detail: unknown }>(refused).detail, 'string');
      release();
      await held;
      const stored = await send(atLimit);
      assert.equal(stored.statusCode, 200, stored.body);
      assert.match(json<Campaign>(stored).ad_image ?? '', /\.png$/);
    });

    test('issue 12: parallel uploads wait for one of IMAGE_DECODE_CONCURRENCY decode slots, never more', async (t) => {
      const limited = await buildTestApp(t, { IMAGE_DECODE_CONCURRENCY: '2', IMAGE_DECODE_QUEUE: '16' });
      const s = seed(limited.app);
      const a = await s.advertiser();
      const campaigns = await Promise.all(Array.from({ length: 12 }, () => s.campaign(a.advertiser_id)));
      const all = await Promise.all(
        campaigns.map((c, i) =>
          limited.app.inject({
            method: 'POST',
            url: imageUrl(c),
            ...multipartBody([imagePart(Object.values(images)[i % 4] ?? images.png)]),
          }),
        ),
      );
      assert.deepEqual(
        all.map((r) => r.statusCode),
        Array(12).fill(200),
      );
      const stats = imageDecodes(limited.deps).stats();
      assert.ok(stats.peak >= 1 && stats.peak <= 2, `peak ${stats.peak}`);
      assert.deepEqual([stats.active, stats.waiting], [0, 0]);
    });

    test('/media: unknown, traversing or non-image keys are a 404 JSON error', async () => {
      for (const url of [
        `/media/campaigns/${randomUUID()}/${randomUUID()}.png`,
        '/media/..%2f..%2fpackage.json',
        '/media/campaigns/%2e%2e/%2e%2e/%2e%2e/package.json',
        '/media/.tmp/x',
        '/media/campaigns/x/a.svg',
        '/media/health/probe-1',
        '/media/',
      ]) {
        const res = await ctx.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404, url);
        assert.deepEqual(json(res), { detail: 'Not Found' });
      }
    });
  });

  test('413 when the declared body is over HTTP_BODY_LIMIT_BYTES', async (t) => {
    const small = await buildTestApp(t, { HTTP_BODY_LIMIT_BYTES: String(MiB) });
    const s = seed(small.app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id);
    const res = await small.app.inject({
      method: 'POST',
      url: imageUrl(c),
      ...multipartBody([imagePart(Buffer.alloc(2 * MiB))]),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(typeof json<{ detail: unknown }>(res).detail, 'string');
  });

  test('OpenAPI documents the upload as multipart/form-data, the delete, and /media', async () => {
    const doc = json<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
      await ctx.app.inject({ method: 'GET', url: '/docs/openapi.json' }),
    );
    const path = doc.paths['/advertisers/{advertiserId}/campaigns/{campaignId}/ad_image'];
    const body = path?.post?.requestBody as {
      content: Record<
        string,
        { schema: { properties: Record<string, { format?: string }>; required: string[] } }
      >;
    };
    const form = body.content['multipart/form-data']?.schema;
    assert.equal(form?.properties.ad_image?.format, 'binary');
    assert.deepEqual(form?.required, ['ad_image']);
    assert.ok(path?.delete);
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith('/media/')));
  });
});

describe('campaign images on S3 (s3rver)', () => {
  let s3: TestS3Server;
  let bucket: string;
  const ctx = {} as TestApp;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    s3 = await startS3Server();
    const env = s3.env();
    bucket = env.S3_BUCKET ?? '';
    const started = await startTestApp(env);
    Object.assign(ctx, started);
    close = started.close;
  });
  after(async () => {
    await close?.();
    await s3.close();
  });
  const { upload, remove, newCampaign } = calls(ctx);

  test('the bucket is created; ad_image is the public S3 URL, readable without credentials', async () => {
    const c = await newCampaign();
    const res = await upload(c, [imagePart(images.png)]);
    assert.equal(res.statusCode, 200, res.body);
    const url = json<Campaign>(res).ad_image ?? '';
    assert.match(
      url,
      new RegExp(`^${s3.endpoint}/${bucket}/campaigns/${c.campaign_id}/[0-9a-f-]{36}\\.png$`),
    );
    const fetched = await fetch(url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), images.png);
    // The API serves the same object at /media/{key} too.
    const key = url.slice(`${s3.endpoint}/${bucket}/`.length);
    const proxied = await ctx.app.inject({ method: 'GET', url: `/media/${key}` });
    assert.deepEqual([proxied.statusCode, proxied.rawPayload], [200, images.png]);
  });

  test('replace, image delete and campaign delete remove the objects from the bucket', async () => {
    const c = await newCampaign();
    const first = json<Campaign>(await upload(c, [imagePart(images.png)])).ad_image ?? '';
    const second = json<Campaign>(await upload(c, [imagePart(images.jpeg)])).ad_image ?? '';
    assert.equal((await fetch(first)).status, 404);
    assert.equal((await fetch(second)).status, 200);
    assert.equal((await remove(c)).statusCode, 204);
    assert.equal((await fetch(second)).status, 404);

    const third = json<Campaign>(await upload(c, [imagePart(images.gif)])).ad_image ?? '';
    assert.equal((await fetch(third)).status, 200);
    const del = await ctx.app.inject({
      method: 'DELETE',
      url: `/advertisers/${c.advertiser_id}/campaigns/${c.campaign_id}`,
    });
    assert.equal(del.statusCode, 204);
    assert.equal((await fetch(third)).status, 404);
  });

  test('/health reports storage working', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/health?format=json' });
    assert.equal(json<Record<string, string>>(res).storage, 'working');
  });

  test('S3_PUBLIC_URL sets the base of image links', async (t) => {
    const app = await buildTestApp(t, s3.env({ S3_PUBLIC_URL: 'https://cdn.example/media' }));
    const s = seed(app.app);
    const a = await s.advertiser();
    const c = await s.campaign(a.advertiser_id);
    const res = await app.app.inject({
      method: 'POST',
      url: imageUrl(c),
      ...multipartBody([imagePart(images.png)]),
    });
    assert.match(json<Campaign>(res).ad_image ?? '', /^https:\/\/cdn\.example\/media\/campaigns\//);
  });
});
