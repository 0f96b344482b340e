import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startRedis, type DisposableRedis } from '../../../test/support/index';
import { startLocalCache, type LocalCache } from '../src/peers/redis/local';
import { findRedisServer } from '../src/peers/redis/server';

/** A PATH with no redis-server on it (an empty folder). */
const NO_REDIS_PATH = mkdtempSync(join(tmpdir(), 'berth-no-redis-'));

/** Inline commands on a fresh connection, as anyone on the machine could send them; the replies' text. */
function raw(port: number, commands: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${commands}\r\nQUIT\r\n`));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

function state(): string {
  return mkdtempSync(join(tmpdir(), 'berth-redis-private-'));
}

describe("berth dev's own redis-server (a cache nobody else writes)", () => {
  let dir: string;
  let cache: LocalCache;
  beforeAll(async () => {
    expect(findRedisServer(process.env.PATH), 'redis-server on PATH').toBeDefined();
    dir = state();
    const port = await freePort();
    cache = await startLocalCache({
      stateDir: dir,
      env: process.env,
      port: async () => port,
      keyPrefix: 't:dev:',
    });
  });
  afterAll(async () => {
    await cache?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers only with its password, which is in a 0600 file and not on any command line', async () => {
    expect(cache.kind).toBe('own');
    expect(cache.url).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
    expect(cache.endpoint).not.toContain(cache.password!);
    expect(cache.message).toMatch(/redis-server \S+ on :\d+, this state folder's own \(password-protected/);
    const port = Number(new URL(cache.endpoint!).port);
    expect(await raw(port, 'SET t:dev:x poison')).toMatch(/^-NOAUTH/);
    expect(await raw(port, 'AUTH guess\r\nSET t:dev:x poison')).toMatch(/^-WRONGPASS[^\n]*\n-NOAUTH/);
    const app = new Redis(cache.url!);
    expect(await app.set('t:dev:x', '1')).toBe('OK');
    app.disconnect();

    const file = join(dir, 'redis', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'redis')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'redis', 'redis.conf')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).password).toBe(cache.password);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(cache.password!);
  });

  it('is supervised: killed, it is started again in place with the same password, empty (no persistence)', async () => {
    const exits: string[] = [];
    cache.restartable!.onExit((reason) => exits.push(reason));
    const pid = Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => exits).toEqual(['signal SIGKILL']);
    await cache.restartable!.restart();
    const app = new Redis(cache.url!);
    expect(await app.ping()).toBe('PONG');
    expect(await app.get('t:dev:x')).toBeNull();
    app.disconnect();
  });

  it('a server left by a killed berth dev (its pidfile) is stopped before the next one starts', async () => {
    const other = state();
    try {
      const port = await freePort();
      const first = await startLocalCache({
        stateDir: other,
        env: process.env,
        port: async () => port,
        keyPrefix: '',
      });
      const pid = Number(readFileSync(join(other, 'redis', 'redis.pid'), 'utf8'));
      // No stop(): as if berth dev was killed. The next run takes the same port.
      const second = await startLocalCache({
        stateDir: other,
        env: process.env,
        port: async () => port,
        keyPrefix: '',
      });
      expect(second.url).toBe(first.url);
      expect(() => process.kill(pid, 0)).toThrow();
      await second.stop();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('without redis-server: an ACL user with a password on the shared Redis, else none', () => {
  let shared: DisposableRedis;
  beforeAll(async () => {
    shared = await startRedis();
  });
  afterAll(() => shared?.close());

  it('an ACL user of its own and a claimed database; the message says the default user is open', async () => {
    const dir = state();
    const cache = await startLocalCache({
      stateDir: dir,
      env: { PATH: NO_REDIS_PATH },
      port: () => Promise.reject(new Error('no port needed')),
      keyPrefix: 't:dev:',
      sharedUrl: shared.url,
    });
    expect(cache.kind).toBe('acl');
    expect(cache.notes).toEqual(['cache: no redis-server on PATH']);
    expect(cache.url).toMatch(/^redis:\/\/berth-dev-[0-9a-f]{12}:[0-9a-f]{48}@127\.0\.0\.1:\d+\/\d+$/);
    expect(cache.message).toMatch(
      /as ACL user berth-dev-\w+ \(its own password\), database \d+\. Its default user needs no password/,
    );
    const app = new Redis(cache.url!);
    expect(await app.set('t:dev:k', 'v')).toBe('OK');
    // Not an administrator: it cannot reconfigure or flush the shared server.
    await expect(app.config('SET', 'requirepass', 'x')).rejects.toThrow(/NOPERM/);
    await expect(app.flushall()).rejects.toThrow(/NOPERM/);
    app.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no redis-server and no usable Redis: no cache, said plainly', async () => {
    const port = await freePort();
    const cache = await startLocalCache({
      stateDir: state(),
      env: { PATH: NO_REDIS_PATH },
      port: () => Promise.reject(new Error('no port needed')),
      keyPrefix: '',
      sharedUrl: `redis://127.0.0.1:${port}`,
    });
    expect(cache.kind).toBe('none');
    expect(cache.url).toBeUndefined();
    expect(cache.message).toMatch(
      /^cache: none \(no redis-server on PATH; the Redis at 127\.0\.0\.1:\d+ does not allow ACL SETUSER .*\); services use their in-process cache\. Install redis-server/,
    );
  });
});
