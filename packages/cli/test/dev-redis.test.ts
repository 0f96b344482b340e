import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type DisposableRedis } from '../../../test/support/index';
import { decideCache } from '../src/dev/redis';

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
