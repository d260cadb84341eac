import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { StorageConfig } from '../config.ts';
import type { StorageBackend } from './storage.ts';

type S3Config = Extract<StorageConfig, { kind: 's3' }>;

/** Keys embed a random id and are never rewritten, so clients and CDNs may cache them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

type S3Failure = { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
const failure = (error: unknown): S3Failure => (typeof error === 'object' && error ? error : {}) as S3Failure;
const statusOf = (error: unknown) => failure(error).$metadata?.httpStatusCode;
const nameOf = (error: unknown) => String(failure(error).name ?? failure(error).Code ?? '');

/** Anonymous GET on the bucket's objects, as the seed's `adnova-media` bucket was (spec §7.1). */
const publicReadPolicy = (bucket: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: ['*'] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${bucket}/*`],
      },
    ],
  });

/**
 * An S3-compatible bucket (MinIO, AWS S3, …) through AWS SDK v3, with path-style addressing so a
 * plain `http://host:9000` endpoint works. The bucket is created on first use when missing, and a
 * bucket AdNova creates gets a public-read policy (servers without bucket policies are tolerated;
 * an existing bucket's policy is the operator's and is left alone).
 */
export function createS3Storage(config: S3Config, log: Logger): StorageBackend {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Recent SDKs add CRC32 checksums to every upload and validate them on download by default;
    // MinIO releases and test servers that predate that reject or omit them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // Milliseconds: a storage outage fails a request (and /health) instead of hanging it.
    requestHandler: { connectionTimeout: 3000, requestTimeout: 15_000 },
  });
  const Bucket = config.bucket;

  const createBucketIfMissing = async (): Promise<void> => {
    try {
      await client.send(new HeadBucketCommand({ Bucket }));
      return;
    } catch (error) {
      if (statusOf(error) !== 404 && !['NotFound', 'NoSuchBucket'].includes(nameOf(error))) throw error;
    }
    try {
      await client.send(
        new CreateBucketCommand({
          Bucket,
          ...(config.region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint },
          }),
        }),
      );
      log.info({ bucket: Bucket }, 'created the media bucket');
    } catch (error) {
      // Another process created it between our check and our create.
      if (['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(nameOf(error))) return;
      throw error;
    }
    try {
      await client.send(new PutBucketPolicyCommand({ Bucket, Policy: publicReadPolicy(Bucket) }));
    } catch (error) {
      log.warn(
        { bucket: Bucket, err: error },
        'could not make the media bucket publicly readable; make its objects readable without authentication',
      );
    }
  };

  let bucketReady: Promise<void> | undefined;
  const ensureBucket = (): Promise<void> => {
    bucketReady ??= createBucketIfMissing().catch((error: unknown) => {
      // Retried by the next operation: the server may only be starting.
      bucketReady = undefined;
      throw error;
    });
    return bucketReady;
  };

  const backend: StorageBackend = {
    kind: 's3',
    async put(key, body, contentType) {
      await ensureBucket();
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.length,
          CacheControl: IMMUTABLE,
        }),
      );
    },
    async delete(key) {
      await ensureBucket();
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async get(key) {
      await ensureBucket();
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!(object.Body instanceof Readable)) throw new Error('S3 returned no readable body');
        return { body: object.Body, size: object.ContentLength };
      } catch (error) {
        if (statusOf(error) === 404 || nameOf(error) === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async probe() {
      const key = `health/probe-${randomUUID()}`;
      await backend.put(key, Buffer.from('ok'), 'text/plain');
      await backend.delete(key);
    },
    async close() {
      client.destroy();
    },
  };
  return backend;
}
