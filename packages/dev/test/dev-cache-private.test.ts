import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devUp, freePort, http, ROOT, startDev, until, type Dev } from './support/dev-session';

/**
 * talent under `berth dev`: its cache is the state folder's own password-protected redis-server, so nobody else on
 * the machine can put a value in front of the app; and a value of the wrong shape that does get there (an older
 * release's, a bug's) is a miss, never a 500.
 */
const TALENT = join(ROOT, 'examples/talent/berth.config.ts');
const KEY = 'talent:dev:opportunities:list';

let dev: Dev;
let state: string;
let port: number;
let redisPort: number;
let password: string;

/** Commands on a fresh connection, inline, the way any local account could send them; the replies' text. */
function raw(commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(redisPort, '127.0.0.1', () => {
      for (const c of [...commands, 'QUIT'])
        socket.write(
          `*${c.split(' ').length}\r\n${c
            .split(' ')
            .map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)
            .join('')}`,
        );
    });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'berth-cache-private-'));
  port = await freePort();
  dev = startDev(TALENT, state, port);
  await devUp(dev, 'talent');
  const peers = (await http(port, '/_berth/api/app')).json().peers as Record<string, string>;
  expect(peers.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  redisPort = Number(new URL(peers.redis!).port);
  password = (
    JSON.parse(readFileSync(join(state, 'redis', 'credentials.json'), 'utf8')) as { password: string }
  ).password;
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe("talent's cache under berth dev", () => {
  it('is a redis-server of the state folder: another account cannot write the cached list', async () => {
    expect(dev.output()).toMatch(
      /cache: redis-server \S+ on :\d+, this state folder's own \(password-protected/,
    );
    const first = await http(port, '/opportunities');
    expect(first.status, first.body).toBe(200);
    expect(await raw([`SET ${KEY} {"poisoned":true}`])).toMatch(/^-NOAUTH/);
    expect(await raw(['AUTH default guess', `SET ${KEY} x`])).toMatch(/^-WRONGPASS/);
  });

  it.each([
    ['JSON of another shape', '{"poisoned":true}'],
    ['items without their fields', '[{"id":1}]'],
    ['not JSON', 'poison{'],
  ])('a cached list that is %s is a miss: 200 from the database, then cached again', async (_, bad) => {
    expect(await raw([`AUTH ${password}`, `SET ${KEY} ${bad}`])).toBe('+OK\r\n+OK\r\n+OK\r\n');
    const answer = await http(port, '/opportunities');
    expect(answer.status, answer.body).toBe(200);
    expect(Array.isArray(answer.json())).toBe(true);
    const stored = await raw([`AUTH ${password}`, `GET ${KEY}`]);
    expect(stored).toContain(answer.body);
  });

  it('is supervised: killed, it comes back on its port with its password, and the app keeps answering', async () => {
    const pid = Number(readFileSync(join(state, 'redis', 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    // The cache is fail-open: while it is away the route answers from the database.
    expect((await http(port, '/opportunities')).status).toBe(200);
    const view = await until('redis to be restarted', async () => {
      const peers = (await http(port, '/_berth/api/peers')).json() as {
        name: string;
        status: string;
        restarts: number;
        supervised: boolean;
      }[];
      const redis = peers.find((p) => p.name === 'redis');
      return redis?.status === 'up' && redis.restarts === 1 ? redis : undefined;
    });
    expect(view.supervised).toBe(true);
    expect(dev.output()).toMatch(/redis exited \(signal SIGKILL\); restarting in/);
    expect(await raw(['SET k v'])).toMatch(/^-NOAUTH/);
    expect(await raw([`AUTH ${password}`, 'PING'])).toBe('+OK\r\n+PONG\r\n+OK\r\n');
    expect((await http(port, '/opportunities')).status).toBe(200);
  });
});
