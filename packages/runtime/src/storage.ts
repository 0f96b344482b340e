import type { Logger } from './logger';

export interface PresignUploadInput {
  readonly key: string;
  readonly contentType: string;
  readonly maxBytes: number;
  /** @default 300 */
  readonly expiresInSeconds?: number;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  /** Form fields to send before the `file` field (POST). */
  readonly fields?: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly key: string;
  readonly expiresAt: string;
}

export interface PresignDownloadInput {
  readonly key: string;
  /** @default 300 */
  readonly expiresInSeconds?: number;
  /** Sets response-content-disposition: attachment; filename="…". */
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
}

export interface Storage {
  readonly bucket: string;
  /** Joins validated parts with '/'; throws InvalidKeyError on anything that could escape or confuse a prefix. */
  key(...parts: string[]): string;
  presignUpload(input: PresignUploadInput): Promise<PresignedUpload>;
  presignDownload(input: PresignDownloadInput): Promise<{ url: string; expiresAt: string }>;
  head(key: string): Promise<ObjectHead | undefined>;
  list(prefix: string): AsyncIterable<StoredObject>;
  delete(keys: readonly string[]): Promise<void>;
}

export interface StorageOptions {
  readonly region: string;
  readonly log: Logger;
}

export function createStorage(_bucketName: string, _options: StorageOptions): Storage {
  throw new Error('not implemented');
}
