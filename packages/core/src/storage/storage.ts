import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { StorageConfig } from '../config.ts';
import { createDiskStorage } from './disk.storage.ts';
import { createS3Storage } from './s3.storage.ts';

/** An object read back from storage: its bytes as a stream, and its size when the backend knows it. */
export type StoredObject = { body: Readable; size: number | undefined };

/**
 * Object storage for campaign images (spec §7.1): files on disk or an S3-compatible bucket.
 * Keys are `/`-separated paths of safe segments (`isStorageKey`); objects are public once stored.
 */
export type ObjectStorage = {
  kind: StorageConfig['kind'];
  /** Stores (or overwrites) an object; readers never see a partially written one. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Deletes an object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Absolute public URL of the object (see `objectUrl`). */
  publicUrl(key: string): string;
  /** Writes and deletes a probe object; throws with a short reason when storage does not work. */
  probe(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Content types of the image formats AdNova stores, by key extension. Only these are ever served
 * (never SVG or HTML, which a browser would run as active content on the API's origin).
 */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

/** The content type of a stored image, from its key's extension; undefined when not an image key. */
export function mediaTypeOf(key: string): string | undefined {
  const dot = key.lastIndexOf('.');
  if (dot === -1 || dot < key.lastIndexOf('/')) return undefined;
  return Object.hasOwn(MEDIA_TYPES, key.slice(dot + 1)) ? MEDIA_TYPES[key.slice(dot + 1)] : undefined;
}

/**
 * Segments start with a letter or digit and contain only letters, digits, `.`, `_` and `-`: no
 * empty, `.` or `..` segment, no leading `/`, nothing a shell, a URL or a file system treats specially.
 */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const MAX_KEY_LENGTH = 512;

/** True for keys AdNova may have written; anything else (traversal, odd characters) is refused. */
export function isStorageKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && KEY.test(key);
}

/**
 * Absolute public URL of an object: the configured public base plus the key. A plain string
 * concatenation, because ad responses build it on the hot path; keys never need escaping.
 */
export function objectUrl(config: StorageConfig, key: string): string {
  return `${config.publicBaseUrl}/${key}`;
}

/** What each backend implements; `createStorage` adds the public URL, which is the same for all. */
export type StorageBackend = Omit<ObjectStorage, 'publicUrl'>;

/** The storage the configuration names: disk under `DATA_DIR/media`, or S3 when configured. */
export function createStorage(config: StorageConfig, log: Logger): ObjectStorage {
  const backend =
    config.kind === 's3'
      ? createS3Storage(config, log.child({ component: 'storage' }))
      : createDiskStorage(config);
  return { ...backend, publicUrl: (key) => objectUrl(config, key) };
}

/**
 * Deletes an object that is no longer referenced, after the database stopped pointing at it.
 * A failure leaves an orphan object, never a broken link, so it is logged rather than thrown.
 */
export async function discardObject(
  deps: { storage: ObjectStorage; log: Logger },
  key: string,
  why: string,
): Promise<void> {
  try {
    await deps.storage.delete(key);
  } catch (error) {
    deps.log.error({ err: error, key, why }, 'could not delete a stored object; it is left orphaned');
  }
}
