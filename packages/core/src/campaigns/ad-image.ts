import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { ImagesConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { AppError, invalidField, notFound } from '../errors.ts';
import { type ConcurrencyLimit, createConcurrencyLimit } from '../shared/concurrency.ts';
import { normalizeId } from '../shared/schema.ts';
import {
  discardObject,
  isStorageKey,
  MEDIA_TYPES,
  mediaTypeOf,
  type StoredObject,
} from '../storage/storage.ts';
import { type CampaignRow, findCampaignRow, updateCampaignRow } from './campaigns.repo.ts';
import type { Campaign } from './campaigns.schema.ts';
import { toCampaign } from './campaigns.ts';

/** Images must be smaller than this many bytes (spec §7.1: 10 MiB or more is refused). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export const IMAGE_TOO_BIG = "File can't be bigger than 10MB.";
export const IMAGE_INVALID = 'File must be a valid image.';

/** The uploaded file as the HTTP layer read it: at most `MAX_IMAGE_BYTES`, `truncated` if there was more. */
export type ImageUpload = { data: Buffer; truncated: boolean };

/** A decoded image's format: the extension its key gets, which also fixes the content type it is served with. */
export type ImageFormat = { ext: string; contentType: string };

/** sharp's format names (and, for HEIF, the compression) → stored extension. SVG and raw pixels are not images here. */
function extensionOf(format: string | undefined, compression: string | undefined): string | undefined {
  switch (format) {
    case 'jpeg':
      return 'jpg';
    case 'png':
    case 'gif':
    case 'webp':
    case 'tiff':
      return format;
    case 'heif':
      return compression === 'av1' ? 'avif' : undefined;
    default:
      return undefined;
  }
}

/** Seconds a refused upload is told to wait: about one decode at the pixel limit (≈ 1 s measured). */
const DECODE_RETRY_AFTER_SECONDS = 2;

// One decode gate per process (per `createDeps`, whose config object it is keyed by), shared by
// the API and the admin panel.
const decodeLimits = new WeakMap<ImagesConfig, ConcurrencyLimit>();

/**
 * The gate every image decode passes (`IMAGE_DECODE_CONCURRENCY` at once, `IMAGE_DECODE_QUEUE`
 * waiting). sharp decodes on libuv's small thread pool, which file and DNS work share, so without it
 * 24 uploads at once kept every core busy for minutes (issue 12).
 */
export function imageDecodes(deps: Pick<Deps, 'config'>): ConcurrencyLimit {
  const images = deps.config.images;
  let limit = decodeLimits.get(images);
  if (!limit) {
    limit = createConcurrencyLimit({
      concurrency: images.decodeConcurrency,
      queue: images.decodeQueue,
      onFull: () =>
        new AppError('UNAVAILABLE', 'Too many images are being checked; try again shortly.', {
          headers: { 'Retry-After': String(DECODE_RETRY_AFTER_SECONDS) },
        }),
    });
    decodeLimits.set(images, limit);
  }
  return limit;
}

/**
 * Decides whether the bytes are an image AdNova accepts (PNG, JPEG, GIF, WebP, TIFF, AVIF) by
 * decoding every pixel of it with sharp, not by trusting a name or declared type: a truncated or
 * corrupt file fails here. The header alone decides the format and the size first, so SVG (active
 * content) and images over `IMAGE_MAX_PIXELS` are refused without decoding or waiting for a slot.
 * Decoding cost follows the pixel count (≈ 1 s of CPU at 4096 × 4096), whatever the file size.
 * @throws AppError VALIDATION `File must be a valid image.` (the spec's one message for files the
 * server will not decode, over-large ones included); UNAVAILABLE every decode slot and the queue
 * are taken, with `Retry-After`.
 */
export async function inspectImage(deps: Pick<Deps, 'config'>, data: Buffer): Promise<ImageFormat> {
  const invalid = () => invalidField('ad_image', IMAGE_INVALID);
  if (data.length === 0) throw invalid();
  const { maxPixels } = deps.config.images;
  const options = { failOn: 'warning', limitInputPixels: maxPixels } as const;
  let ext: string | undefined;
  try {
    const meta = await sharp(data, options).metadata();
    ext = extensionOf(meta.format, meta.compression);
    if (ext === undefined || !(meta.width > 0 && meta.height > 0) || meta.width * meta.height > maxPixels) {
      throw invalid();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid();
  }
  const contentType = MEDIA_TYPES[ext];
  if (contentType === undefined) throw invalid();
  // Statistics visit every pixel of the first frame in a streaming pass, so the whole image is
  // decoded without holding it in memory.
  await imageDecodes(deps).run(async () => {
    try {
      await sharp(data, options).stats();
    } catch {
      throw invalid();
    }
  });
  return { ext, contentType };
}

type ImageDeps = Pick<Deps, 'db' | 'config' | 'storage' | 'log'>;

/**
 * Points the advertiser's campaign at `key` (null clears it) and returns the row with the key it
 * replaced. The row lock orders concurrent calls: each sees the key the previous one wrote, so
 * every replaced key is handed to exactly one caller, which deletes its object.
 */
async function swapImageKey(
  db: Db,
  advertiserId: string,
  campaignId: string,
  key: string | null,
): Promise<{ row: CampaignRow; previousKey: string | null } | undefined> {
  return withTransaction(db, async (tx) => {
    const current = await findCampaignRow(tx, advertiserId, campaignId, true);
    if (!current) return undefined;
    if (current.adImageKey === key) return { row: current, previousKey: null };
    const row = await updateCampaignRow(tx, current.id, { adImageKey: key });
    return { row, previousKey: current.adImageKey };
  });
}

/**
 * Stores a campaign's image, replacing (and deleting) the previous one (spec §7.1). Checks, in the
 * spec's order: the campaign exists and is the advertiser's, the file is under 10 MiB, it decodes
 * as an image. The object is stored under `campaigns/{campaign_id}/{random id}.{ext}` before the
 * campaign points at it, so `ad_image` never links to a missing object; if the campaign vanished
 * meanwhile, the new object is deleted again.
 * @throws AppError NOT_FOUND unknown or foreign campaign; VALIDATION too big or not an image;
 * UNAVAILABLE the storage refused the object, or too many images are being decoded.
 */
export async function setCampaignImage(
  deps: ImageDeps,
  advertiserId: string,
  campaignId: string,
  upload: ImageUpload,
): Promise<Campaign> {
  const owner = normalizeId(advertiserId);
  const id = normalizeId(campaignId);
  if (!(await findCampaignRow(deps.db, owner, id))) throw notFound();
  if (upload.truncated || upload.data.length >= MAX_IMAGE_BYTES) {
    throw invalidField('ad_image', IMAGE_TOO_BIG);
  }
  const format = await inspectImage(deps, upload.data);

  const key = `campaigns/${id}/${randomUUID()}.${format.ext}`;
  try {
    await deps.storage.put(key, upload.data, format.contentType);
  } catch (error) {
    deps.log.error({ err: error, key }, 'could not store a campaign image');
    throw new AppError('UNAVAILABLE', 'Image storage is unavailable.');
  }

  let swapped: Awaited<ReturnType<typeof swapImageKey>>;
  try {
    swapped = await swapImageKey(deps.db, owner, id, key);
  } catch (error) {
    await discardObject(deps, key, 'campaign update failed');
    throw error;
  }
  if (!swapped) {
    await discardObject(deps, key, 'campaign deleted during upload');
    throw notFound();
  }
  if (swapped.previousKey) await discardObject(deps, swapped.previousKey, 'image replaced');
  return toCampaign(swapped.row, deps.config);
}

/**
 * Removes a campaign's image (spec §7.1): the campaign stops linking to it, then the object is
 * deleted. Succeeds whether or not there was an image.
 * @throws AppError NOT_FOUND unknown or foreign campaign.
 */
export async function deleteCampaignImage(
  deps: Pick<Deps, 'db' | 'storage' | 'log'>,
  advertiserId: string,
  campaignId: string,
): Promise<void> {
  const swapped = await swapImageKey(deps.db, normalizeId(advertiserId), normalizeId(campaignId), null);
  if (!swapped) throw notFound();
  if (swapped.previousKey) await discardObject(deps, swapped.previousKey, 'image deleted');
}

/**
 * A stored image by key, for `GET /media/{key}` when the API serves the files itself. Its content
 * type comes from the key's extension, which the decoded format chose at upload; keys that are
 * malformed or not images (probe objects, anything else) are simply not found.
 * @throws AppError NOT_FOUND
 */
export async function getStoredImage(
  deps: Pick<Deps, 'storage'>,
  key: string,
): Promise<StoredObject & { contentType: string }> {
  const contentType = isStorageKey(key) ? mediaTypeOf(key) : undefined;
  if (contentType === undefined) throw notFound();
  const object = await deps.storage.get(key);
  if (!object) throw notFound();
  return { ...object, contentType };
}
