import type { CacheConfig } from './config';
import type { Logger } from './logger';

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** The cached value, else `fn()` (stored for `ttlSeconds`). Never throws because of the cache. */
  wrap<T>(key: string, ttlSeconds: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface CacheOptions {
  readonly log: Logger;
  /** Prefix on every key. @default '' */
  readonly keyPrefix?: string;
  /** @default 500 */
  readonly connectTimeoutMs?: number;
  /** @default 200 */
  readonly commandTimeoutMs?: number;
  /** In-process LRU size when no CACHE_URL is set. @default 1000 */
  readonly maxEntries?: number;
}

export function createCache(_config: CacheConfig | undefined, _options: CacheOptions): Cache {
  throw new Error('not implemented');
}
