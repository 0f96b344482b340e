import { lazy } from './interop';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConflictError, InvalidKeyError } from './errors';
import type { Logger } from './logger';

export interface PresignUploadInput {
  readonly key: string;
  /** Bound into the signed policy: the upload must carry exactly this Content-Type. */
  readonly contentType: string;
  /** Bound into the signed policy as content-length-range [1, maxBytes]. */
  readonly maxBytes: number;
  /** @default 300 */
  readonly expiresInSeconds?: number;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  /** Form fields to send, in order, before the `file` field (POST). */
  readonly fields?: Record<string, string>;
  /** Headers the client must send (none for POST). */
  readonly headers: Record<string, string>;
  readonly key: string;
  readonly expiresAt: string;
}

export interface PresignDownloadInput {
  readonly key: string;
  /** @default 300 */
  readonly expiresInSeconds?: number;
  /** Sets response-content-disposition: attachment; filename="…". @default - attachment without a name */
  readonly filename?: string;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface ObjectHead {
  readonly size: number;
  readonly contentType: string | undefined;
  readonly lastModified: Date | undefined;
  /** The object's entity tag as S3 returns it (quoted): which exact bytes `head` saw. */
  readonly etag: string | undefined;
}

export interface Storage {
  readonly bucket: string;
  /** Joins validated parts with '/'; throws InvalidKeyError on anything that could escape or confuse a prefix. */
  key(...parts: string[]): string;
  presignUpload(input: PresignUploadInput): Promise<PresignedUpload>;
  presignDownload(input: PresignDownloadInput): Promise<{ url: string; expiresAt: string }>;
  head(key: string): Promise<ObjectHead | undefined>;
  list(prefix: string): AsyncIterable<StoredObject>;
  /**
   * Copies `from` to `to` inside this bucket (S3 CopyObject: s3:GetObject on the source, s3:PutObject on the
   * destination). With `ifMatch` (an `etag` from `head`), S3 copies only if the source still has that entity tag
   * and answers 412 otherwise, a ConflictError (409 `OBJECT_CHANGED`) here. Resolves to the new object's entity tag.
   */
  copy(input: {
    readonly from: string;
    readonly to: string;
    readonly ifMatch?: string;
  }): Promise<{ etag: string | undefined }>;
  /**
   * Deletes the objects: they are gone from reads and lists at once. On a versioned bucket S3 keeps the old version
   * behind a delete marker; Berth's lifecycle rule deletes those old versions after the bucket's
   * `noncurrentVersionDays` (profile default 30 in prod), then the marker, so the data is erased then, not never.
   * Needs only s3:DeleteObject (no version is deleted by id, so no s3:DeleteObjectVersion).
   */
  delete(keys: readonly string[]): Promise<void>;
}

export interface StorageOptions {
  readonly region: string;
  readonly log: Logger;
  /** A local S3 peer (s3rver). The SDK also reads it itself; passing it keeps the runtime's `env` authoritative. @default - AWS_ENDPOINT_URL_S3 */
  readonly endpoint?: string;
  /** @default - true when an endpoint is set (local peers serve path-style only) */
  readonly forcePathStyle?: boolean;
  /** A ready client. @default - created on first use */
  readonly client?: S3Client;
  /** Called on first use instead, so several buckets can share one lazily created client. */
  readonly getClient?: () => Promise<S3Client>;
}

const MAX_KEY_BYTES = 1024;
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
// type/subtype with optional parameters, no CR/LF (a header value goes into the policy).
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\r\n]*"|[\w.+-]+))*$/;

/** Validates one key (or prefix): segments between '/' may not be empty, '.' or '..'. */
function checkKey(key: string, what = 'key', allowTrailingSlash = false): string {
  if (typeof key !== 'string' || key === '')
    throw new InvalidKeyError(`storage ${what} must be a non-empty string`);
  if (key.startsWith('/')) throw new InvalidKeyError(`storage ${what} may not be absolute (start with '/')`);
  if (key.includes('\\')) throw new InvalidKeyError(`storage ${what} may not contain a backslash`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key))
    throw new InvalidKeyError(`storage ${what} may not contain control characters`);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    throw new InvalidKeyError(`storage ${what} may not exceed ${MAX_KEY_BYTES} bytes`);
  const segments = key.split('/');
  if (allowTrailingSlash && segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '')
      throw new InvalidKeyError(`storage ${what} may not contain an empty segment ('//' or a trailing '/')`);
    if (segment === '.' || segment === '..')
      throw new InvalidKeyError(`storage ${what} may not contain '.' or '..' segments`);
  }
  return key;
}

function checkExpiry(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
    throw new RangeError(
      `expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}; got ${seconds}`,
    );
  }
  return seconds;
}

/** RFC 6266: an ASCII fallback plus the UTF-8 name, quotes and separators removed. */
function contentDisposition(filename: string | undefined): string {
  if (filename === undefined) return 'attachment';
  // eslint-disable-next-line no-control-regex
  const clean = filename.replace(/[\u0000-\u001f\u007f"\\/]/g, '_').slice(0, 200);
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean)}`;
}

/** A lazily imported S3 client; with an endpoint (local peer) path-style and checksums only when required. */
export async function createS3Client(options: {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
}): Promise<S3Client> {
  const endpoint = options.endpoint;
  const { S3Client } = await lazy(import('@aws-sdk/client-s3'));
  return new S3Client({
    region: options.region,
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: options.forcePathStyle ?? true,
          // Local peers do not speak the flexible-checksum trailers newer SDKs send by default.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : { forcePathStyle: options.forcePathStyle ?? false }),
  });
}

/**
 * One bucket. Keys are validated before anything is signed or sent; downloads are always `attachment` so a
 * stored HTML file can never render inline. The S3 client is created on the first call.
 */
export function createStorage(bucketName: string, options: StorageOptions): Storage {
  let client: Promise<S3Client> | undefined = options.client ? Promise.resolve(options.client) : undefined;
  const s3 = (): Promise<S3Client> =>
    (client ??= options.getClient ? options.getClient() : createS3Client(options));

  return {
    bucket: bucketName,

    key(...parts: string[]): string {
      if (parts.length === 0) throw new InvalidKeyError('storage key needs at least one part');
      parts.forEach((p, i) => checkKey(p, `key part ${i + 1}`));
      return checkKey(parts.join('/'));
    },

    async presignUpload({ key, contentType, maxBytes, expiresInSeconds = 300 }) {
      checkKey(key);
      if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType)) {
        throw new InvalidKeyError('contentType must be a media type such as image/png');
      }
      if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 5 * 1024 ** 3) {
        throw new RangeError(`maxBytes must be an integer from 1 to 5 GiB; got ${maxBytes}`);
      }
      checkExpiry(expiresInSeconds);
      const [{ createPresignedPost }, c] = await Promise.all([
        lazy(import('@aws-sdk/s3-presigned-post')),
        s3(),
      ]);
      const post = await createPresignedPost(c, {
        Bucket: bucketName,
        Key: key,
        Conditions: [
          ['content-length-range', 1, maxBytes],
          ['eq', '$Content-Type', contentType],
        ],
        Fields: { 'Content-Type': contentType },
        Expires: expiresInSeconds,
      });
      options.log.debug({ bucket: bucketName, key, contentType, maxBytes }, 'storage: presigned upload');
      return {
        url: post.url,
        method: 'POST' as const,
        fields: post.fields,
        headers: {},
        key,
        expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
      };
    },

    async presignDownload({ key, expiresInSeconds = 300, filename }) {
      checkKey(key);
      checkExpiry(expiresInSeconds);
      const [{ GetObjectCommand }, { getSignedUrl }, c] = await Promise.all([
        lazy(import('@aws-sdk/client-s3')),
        lazy(import('@aws-sdk/s3-request-presigner')),
        s3(),
      ]);
      const command = new GetObjectCommand({
        Bucket: bucketName,
        Key: key,
        ResponseContentDisposition: contentDisposition(filename),
      });
      const url = await getSignedUrl(c, command, { expiresIn: expiresInSeconds });
      return { url, expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString() };
    },

    async head(key) {
      checkKey(key);
      const [{ HeadObjectCommand }, c] = await Promise.all([lazy(import('@aws-sdk/client-s3')), s3()]);
      try {
        const out = await c.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }));
        return {
          size: out.ContentLength ?? 0,
          contentType: out.ContentType,
          lastModified: out.LastModified,
          etag: out.ETag,
        };
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
          return undefined;
        throw err;
      }
    },

    async *list(prefix) {
      if (prefix !== '') checkKey(prefix, 'prefix', true);
      const [{ ListObjectsV2Command }, c] = await Promise.all([lazy(import('@aws-sdk/client-s3')), s3()]);
      let token: string | undefined;
      do {
        const out = await c.send(
          new ListObjectsV2Command({
            Bucket: bucketName,
            Prefix: prefix || undefined,
            ContinuationToken: token,
          }),
        );
        for (const o of out.Contents ?? []) {
          if (o.Key !== undefined)
            yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },

    async copy({ from, to, ifMatch }) {
      checkKey(from);
      checkKey(to);
      const [{ CopyObjectCommand }, c] = await Promise.all([lazy(import('@aws-sdk/client-s3')), s3()]);
      try {
        const out = await c.send(
          new CopyObjectCommand({
            Bucket: bucketName,
            Key: to,
            // "The value must be URL-encoded": https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
            CopySource: `${bucketName}/${from.split('/').map(encodeURIComponent).join('/')}`,
            ...(ifMatch ? { CopySourceIfMatch: ifMatch } : {}),
          }),
        );
        return { etag: out.CopyObjectResult?.ETag };
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412)
          throw new ConflictError(`storage: ${from} changed since it was read`, { code: 'OBJECT_CHANGED' });
        throw err;
      }
    },

    async delete(keys) {
      if (keys.length === 0) return;
      keys.forEach((k) => checkKey(k));
      const [{ DeleteObjectsCommand }, c] = await Promise.all([lazy(import('@aws-sdk/client-s3')), s3()]);
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const out = await c.send(
          new DeleteObjectsCommand({
            Bucket: bucketName,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if (out.Errors?.length) {
          throw new Error(
            `storage: ${out.Errors.length} of ${batch.length} deletes failed in ${bucketName}, first: ${out.Errors[0]?.Key} (${out.Errors[0]?.Code})`,
          );
        }
      }
    },
  };
}
