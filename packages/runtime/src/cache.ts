import { lazy } from './interop';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { CacheConfig } from './config';
import type { Logger } from './logger';

/**
 * Checks a cached value's shape and returns it typed; throws when it is not what the caller stores (a value written
 * by an older release, or by someone else). A zod schema's `parse` is one: `{ parse: Schema.parse }`.
 */
export type CacheParser<T> = (value: unknown) => T;

export interface CacheReadOptions<T> {
  /**
   * Checks the cached value. A value it rejects (it throws), like a value that is not JSON, is a miss: logged at warn
   * with its key (never the value) and deleted, so the caller reads its source and `wrap` stores a good value again.
   */
  readonly parse?: CacheParser<T>;
}

export interface Cache {
  /** The value, or undefined on a miss, on a value of the wrong shape (see `parse`) or when Redis is unavailable. */
  get<T>(key: string, options?: CacheReadOptions<T>): Promise<T | undefined>;
  /** Stores JSON for `ttlSeconds`; a Redis failure is logged (once per outage) and swallowed. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * The cached value, else `fn()` stored for `ttlSeconds`. Never throws because of the cache: only `fn`'s own
   * errors reach the caller. Concurrent calls for one key in this process share one `fn()`. With `parse`, a cached
   * value of the wrong shape is a miss (deleted, then `fn()` stored), never an error.
   */
  wrap<T>(key: string, ttlSeconds: number, fn: () => Promise<T>, options?: CacheReadOptions<T>): Promise<T>;
  close(): Promise<void>;
}

export interface CacheOptions {
  readonly log: Logger;
  /** Prefix on every key, e.g. `${app}:${stage}:`. @default '' */
  readonly keyPrefix?: string;
  /** @default 500 */
  readonly connectTimeoutMs?: number;
  /** @default 200 */
  readonly commandTimeoutMs?: number;
  /** Size of the in-process LRU used when no CACHE_URL is set. @default 1000 */
  readonly maxEntries?: number;
}

interface Store {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Redis (ElastiCache, TLS + AUTH) when configured, else an in-process LRU with TTL. Fail-open: Redis down or
 * slow costs at most `commandTimeoutMs` per call (0 while disconnected: no offline queue), never an exception.
 */
export function createCache(config: CacheConfig | undefined, options: CacheOptions): Cache {
  const prefix = options.keyPrefix ?? '';
  const store = config ? redisStore(config, options) : lruStore(options.maxEntries ?? 1000);
  const inflight = new Map<string, Promise<unknown>>();

  /** A value that is not JSON or not of the caller's shape: logged by key (a value may be personal data), deleted. */
  const discard = async (key: string, why: string): Promise<undefined> => {
    options.log.warn({ key: prefix + key }, `cache: ${why}; treated as a miss and deleted`);
    await store.del([prefix + key]);
    return undefined;
  };

  const cache: Cache = {
    async get<T>(key: string, read?: CacheReadOptions<T>) {
      const raw = await store.get(prefix + key);
      if (raw === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        return discard(key, 'cached value is not JSON');
      }
      if (!read?.parse) return value as T;
      try {
        return read.parse(value);
      } catch {
        return discard(key, 'cached value has the wrong shape');
      }
    },
    async set(key, value, ttlSeconds) {
      if (value === undefined) return;
      await store.set(prefix + key, JSON.stringify(value), Math.max(1, Math.ceil(ttlSeconds)));
    },
    async del(...keys) {
      if (keys.length) await store.del(keys.map((k) => prefix + k));
    },
    async wrap<T>(
      key: string,
      ttlSeconds: number,
      fn: () => Promise<T>,
      read?: CacheReadOptions<T>,
    ): Promise<T> {
      const hit = await cache.get<T>(key, read);
      if (hit !== undefined) return hit;
      const pending = inflight.get(key) as Promise<T> | undefined;
      if (pending) return pending;
      const load = (async () => {
        try {
          const value = await fn();
          await cache.set(key, value, ttlSeconds);
          return value;
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, load);
      return load;
    },
    close: () => store.close(),
  };
  return cache;
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

function lruStore(max: number): Store {
  const lru = new LRUCache<string, string>({ max });
  return {
    get: async (key) => lru.get(key),
    set: async (key, value, ttlSeconds) => void lru.set(key, value, { ttl: ttlSeconds * 1000 }),
    del: async (keys) => keys.forEach((k) => lru.delete(k)),
    close: async () => lru.clear(),
  };
}

function redisStore(config: CacheConfig, options: CacheOptions): Store {
  const { log } = options;
  let client: Redis | undefined;
  let connecting: Promise<Redis> | undefined;
  let closed = false;
  let down = false;

  const outage = (err: unknown) => {
    if (down) return;
    down = true;
    log.warn(
      { err: { message: (err as Error)?.message } },
      'cache: Redis unavailable, serving from source (fail-open)',
    );
  };

  // ioredis is imported on first use: a service that never touches the cache never pays for it.
  const connect = (): Promise<Redis> => {
    connecting ??= lazy(import('ioredis')).then(({ Redis }) => {
      // A URL with its credentials (`rediss://:<token>@host:port`) is used as is; CACHE_AUTH_TOKEN only fills in a
      // URL without a password (what Berth gave before CACHE_URL carried the token).
      const redis = new Redis(config.url, {
        ...(config.authToken && !hasPassword(config.url) ? { password: config.authToken } : {}),
        connectTimeout: options.connectTimeoutMs ?? 500,
        commandTimeout: options.commandTimeoutMs ?? 200,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        // Reconnect forever with a bounded back-off, so the cache comes back on its own.
        retryStrategy: (times) => Math.min(100 * times, 2_000),
        // A Multi-AZ failover makes the old primary READONLY: reconnect to the new one.
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
      });
      redis.on('error', outage);
      redis.on('ready', () => {
        if (down) log.info('cache: Redis available again');
        down = false;
      });
      if (closed) redis.disconnect();
      client = redis;
      return redis;
    });
    return connecting;
  };

  const ready = async (): Promise<Redis | undefined> => {
    const redis = client ?? (await connect());
    if (redis.status === 'ready') return redis;
    // Skipped while (re)connecting: costs nothing, and counts as the outage if no 'error' came first.
    if (redis.status !== 'connecting' || down) outage(new Error(`Redis connection is ${redis.status}`));
    return undefined;
  };

  const guarded = async <T>(op: (redis: Redis) => Promise<T>, fallback: T): Promise<T> => {
    try {
      const redis = await ready();
      if (!redis) return fallback;
      return await op(redis);
    } catch (err) {
      outage(err);
      return fallback;
    }
  };

  void connect();
  return {
    get: (key) => guarded(async (r) => (await r.get(key)) ?? undefined, undefined),
    set: (key, value, ttlSeconds) =>
      guarded(async (r) => void (await r.set(key, value, 'EX', ttlSeconds)), undefined),
    del: (keys) => guarded(async (r) => void (await r.del(...keys)), undefined),
    async close() {
      closed = true;
      const redis = client;
      if (!redis) return;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
