import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache, type Cache } from '../src/index';
import { startRedis, type DisposableRedis } from '../../../test/support';
import { captureLog } from './support/log';

const { log, lines } = captureLog();

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('until: timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cache (Redis, fail-open)', () => {
  let redis: DisposableRedis;
  let cache: Cache;

  beforeAll(async () => {
    redis = await startRedis();
    cache = createCache({ url: redis.url }, { log, keyPrefix: 't:' });
    await until(async () => (await cache.set('probe', 1, 10), (await cache.get('probe')) === 1));
  });

  afterAll(async () => {
    await cache?.close();
    await redis?.close();
  });

  it('get/set/del JSON values with a TTL, under the key prefix', async () => {
    await cache.set('user:1', { name: 'Ann', tags: ['a'] }, 60);
    expect(await cache.get('user:1')).toEqual({ name: 'Ann', tags: ['a'] });
    const direct = new Redis(redis.url);
    expect(await direct.ttl('t:user:1')).toBeGreaterThan(50);
    direct.disconnect();
    await cache.del('user:1');
    expect(await cache.get('user:1')).toBeUndefined();
  });

  it('GIVEN Redis is stopped mid-test THEN wrap answers from the source without throwing, and uses the cache again once Redis is back', async () => {
    let calls = 0;
    const source = async () => ({ n: ++calls });

    expect(await cache.wrap('k', 60, source)).toEqual({ n: 1 });
    expect(await cache.wrap('k', 60, source)).toEqual({ n: 1 });
    expect(calls).toBe(1);

    const warningsBefore = lines.filter((l) => /unavailable/.test(l.msg)).length;
    await redis.stop();
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect(await cache.wrap('k', 60, source)).toEqual({ n: calls });
    expect(calls).toBe(21);
    expect(Date.now() - started).toBeLessThan(2_000); // no offline queue: a down Redis costs ~nothing
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.set('k', 1, 10)).resolves.toBeUndefined();
    await expect(cache.del('k')).resolves.toBeUndefined();
    expect(lines.filter((l) => /unavailable/.test(l.msg)).length - warningsBefore).toBe(1); // once per outage

    await redis.start();
    await until(async () => {
      await cache.set('probe', 2, 10);
      return (await cache.get('probe')) === 2;
    });
    expect(lines.some((l) => /available again/.test(l.msg))).toBe(true);
    const afterRestart = calls;
    await cache.wrap('k', 60, source); // empty after restart: one miss
    await cache.wrap('k', 60, source);
    await cache.wrap('k', 60, source);
    expect(calls).toBe(afterRestart + 1);
  });

  it('GIVEN Redis is slow (DEBUG SLEEP) THEN calls give up after the command timeout and fall back to the source', async () => {
    const blocker = new Redis(redis.url);
    const sleeping = blocker.call('DEBUG', 'SLEEP', '1.5').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    let calls = 0;
    const value = await cache.wrap('slow', 60, async () => ++calls);
    expect(value).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleeping;
    blocker.disconnect();
  });

  it('concurrent wraps of one key share one source call', async () => {
    let calls = 0;
    const source = () => new Promise<number>((r) => setTimeout(() => r(++calls), 50));
    const values = await Promise.all(Array.from({ length: 10 }, () => cache.wrap('shared', 60, source)));
    expect(new Set(values)).toEqual(new Set([1]));
    expect(calls).toBe(1);
  });

  it("the source's own error reaches the caller and nothing is cached", async () => {
    await expect(cache.wrap('err', 60, async () => Promise.reject(new Error('source down')))).rejects.toThrow(
      'source down',
    );
    expect(await cache.get('err')).toBeUndefined();
  });
});

describe('cache (no CACHE_URL: in-process LRU)', () => {
  it('stores JSON copies with a TTL', async () => {
    const cache = createCache(undefined, { log, maxEntries: 2 });
    const value = { a: 1 };
    await cache.set('x', value, 1);
    value.a = 2;
    expect(await cache.get('x')).toEqual({ a: 1 });
    let calls = 0;
    expect(await cache.wrap('y', 60, async () => ++calls)).toBe(1);
    expect(await cache.wrap('y', 60, async () => ++calls)).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await cache.get('x')).toBeUndefined();
    await cache.close();
  });
});

describe('cache (Redis with AUTH)', () => {
  it('authenticates with CACHE_AUTH_TOKEN; a wrong token fails open', async () => {
    const redis = await startRedis();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', 'auth-token-1');
    admin.disconnect();
    const good = createCache({ url: redis.url, authToken: 'auth-token-1' }, { log });
    await until(async () => (await good.set('a', 1, 10), (await good.get('a')) === 1));
    const bad = createCache({ url: redis.url, authToken: 'wrong' }, { log });
    let calls = 0;
    expect(await bad.wrap('a', 10, async () => ++calls)).toBe(1);
    expect(JSON.stringify(lines)).not.toContain('auth-token-1');
    await good.close();
    await bad.close();
    await redis.close();
  });
});

describe('cache (CACHE_URL with its credentials)', () => {
  it('connects with the password in the URL (rediss://:<token>@host form); CACHE_AUTH_TOKEN does not override it', async () => {
    const redis = await startRedis();
    const admin = new Redis(redis.url);
    // A token with characters a URL must encode, as a rotated ElastiCache token may have.
    const token = 'tok#en&1$2<3>^!';
    await admin.config('SET', 'requirepass', token);
    admin.disconnect();
    const url = `redis://:${encodeURIComponent(token)}@127.0.0.1:${redis.port}`;
    const cache = createCache({ url, authToken: 'stale-token' }, { log });
    await until(async () => (await cache.set('a', 1, 10), (await cache.get('a')) === 1));
    expect(JSON.stringify(lines)).not.toContain(token);
    await cache.close();
    await redis.close();
  });
});

describe('cache (a value of the wrong shape is a miss)', () => {
  let redis: DisposableRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.close());

  const isNumbers = (value: unknown): number[] => {
    if (!Array.isArray(value) || !value.every((n) => typeof n === 'number')) throw new Error('not numbers');
    return value as number[];
  };

  it.each([
    ['JSON of another shape', JSON.stringify({ poisoned: 'private value' })],
    ['not JSON', 'private value {'],
  ])(
    '%s: warned by key (never the value), deleted, and wrap reads the source and stores it',
    async (_, raw) => {
      const cache = createCache({ url: redis.url }, { log, keyPrefix: 'shape:' });
      await until(async () => (await cache.set('probe', 1, 10), (await cache.get('probe')) === 1));
      const direct = new Redis(redis.url);
      await direct.set('shape:list', raw);
      const before = lines.length;
      let calls = 0;
      expect(await cache.wrap('list', 60, async () => (calls++, [1, 2]), { parse: isNumbers })).toEqual([
        1, 2,
      ]);
      expect(calls).toBe(1);
      const warned = lines.slice(before).filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ key: 'shape:list' });
      expect(String(warned[0]!.msg)).toMatch(/treated as a miss and deleted/);
      expect(JSON.stringify(lines.slice(before))).not.toContain('private value');
      // The good value replaced the bad one: the next read is a hit.
      expect(JSON.parse((await direct.get('shape:list'))!)).toEqual([1, 2]);
      expect(await cache.get('list', { parse: isNumbers })).toEqual([1, 2]);
      direct.disconnect();
      await cache.close();
    },
  );

  it('get with parse: a wrong shape is undefined and the key is gone', async () => {
    const cache = createCache(undefined, { log });
    await cache.set('n', { not: 'numbers' }, 60);
    expect(await cache.get('n', { parse: isNumbers })).toBeUndefined();
    expect(await cache.get('n')).toBeUndefined();
    await cache.close();
  });
});
