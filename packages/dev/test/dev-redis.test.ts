import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type DisposableRedis } from '../../../test/support/index';
import { Redis } from 'ioredis';
import { CLAIM_TTL_S, decideCache, STALE_S } from '../src/peers/redis/redis';

describe('berth dev cache isolation on a shared Redis', () => {
  let redis: DisposableRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.close());

  it('gives each state folder a database of its own, the same one on every run', async () => {
    const a = mkdtempSync(join(tmpdir(), 'berth-cache-a-'));
    const b = mkdtempSync(join(tmpdir(), 'berth-cache-b-'));
    const first = await decideCache(redis.url, a);
    const other = await decideCache(redis.url, b);
    const again = await decideCache(redis.url, a);
    expect(first.database).toBeGreaterThanOrEqual(1);
    expect(other.database).not.toBe(first.database);
    expect(again.database).toBe(first.database);
    expect(first.url).toBe(`${redis.url}/${first.database}`);
    expect(first.message).toMatch(new RegExp(`database ${first.database} \\(this state folder's own`));
  });

  it('15 state folders do not use the server up: the least recently renewed idle claim is taken over, its keys under this prefix deleted', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
      const folders = Array.from({ length: 15 }, (_, i) => mkdtempSync(join(tmpdir(), `berth-cache-${i}-`)));
      const claims = [];
      for (const f of folders) claims.push(await decideCache(redis.url, f, 'talent:dev:'));
      expect(new Set(claims.map((c) => c.database)).size).toBe(15);

      // All 15 renewed just now, as running sessions would be: a 16th folder is refused, saying why.
      const sixteenth = mkdtempSync(join(tmpdir(), 'berth-cache-16-'));
      const refused = await decideCache(redis.url, sixteenth, 'talent:dev:');
      expect(refused.url).toBeUndefined();
      expect(refused.message).toMatch(/all 15 databases are claimed by running berth dev sessions/);

      // Folder 4 stopped an hour ago, folder 9 a day ago (TTL lower = renewed longer ago); 9 is taken over.
      const db4 = claims[4]!.database!;
      const db9 = claims[9]!.database!;
      await admin.expire(`berth:dev:db:${db4}`, CLAIM_TTL_S - 3600);
      await admin.expire(`berth:dev:db:${db9}`, CLAIM_TTL_S - 86_400);
      const old = new Redis(`${redis.url}/${db9}`);
      await old.set('talent:dev:opportunities', 'stale list');
      await old.set('other-app:dev:x', 'not ours to delete');
      const taken = await decideCache(redis.url, sixteenth, 'talent:dev:');
      expect(taken.database).toBe(db9);
      expect(await old.get('talent:dev:opportunities')).toBeNull();
      expect(await old.get('other-app:dev:x')).toBe('not ours to delete');
      await old.quit();

      // The old owner's renewal says it lost the database; the new owner's keeps it.
      expect(await claims[9]!.renew!()).toBe(false);
      expect(await taken.renew!()).toBe(true);
      expect(await admin.ttl(`berth:dev:db:${db9}`)).toBeGreaterThan(CLAIM_TTL_S - STALE_S);

      // A claim from an older Berth (no expiry) counts as idle too.
      await admin.persist(`berth:dev:db:${db4}`);
      const seventeenth = await decideCache(
        redis.url,
        mkdtempSync(join(tmpdir(), 'berth-cache-17-')),
        'talent:dev:',
      );
      expect(seventeenth.database).toBe(db4);
    } finally {
      await admin.flushall();
      await admin.quit();
    }
  });

  it('tries again before deciding there is no Redis, and says so', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const none = await decideCache(`redis://127.0.0.1:${port}`, tmpdir());
    expect(none.url).toBeUndefined();
    expect(none.message).toMatch(
      /no usable Redis at 127\.0\.0\.1:\d+ after 3 tries \(.*ECONNREFUSED.*\); services use their in-process cache/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500); // two pauses between the three tries
    expect((await decideCache('http://x', tmpdir())).message).toMatch(/must start with redis:\/\//);
  });
});
