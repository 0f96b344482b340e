import { createHash } from 'node:crypto';
import { Socket } from 'node:net';
import { realpathSync } from 'node:fs';

/**
 * A Redis `berth dev` did not start is shared: two runs of one app (two checkouts, two state folders) would read each
 * other's cache, since keys are `<app>:<stage>:…`. Each state folder claims a database index of its own (1–15; 0 is
 * left to whoever else uses the server) and passes it in CACHE_URL (`redis://host:port/<n>`), which every Redis
 * client reads. The claims live in database 0 as `berth:dev:db:<n>` → the state folder's id.
 */
export interface CacheDecision {
  /** CACHE_URL for the services, with the claimed database; undefined: no Redis answered, in-process cache. */
  readonly url?: string;
  readonly database?: number;
  /** What was decided and why, for the terminal. */
  readonly message: string;
}

const ATTEMPTS = 3;
const TIMEOUT_MS = 1_000;

export async function decideCache(url: string, stateDir: string): Promise<CacheDecision> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      message: `REDIS_URL '${url}' is not a URL (redis://host:port); services use their in-process cache`,
    };
  }
  if (u.protocol !== 'redis:')
    return {
      message: `REDIS_URL must start with redis:// (got ${u.protocol}); services use their in-process cache`,
    };
  const id = createHash('sha256').update(realpath(stateDir)).digest('hex').slice(0, 16);
  let last = '';
  // A loaded machine answers slowly: a few tries with a generous timeout before deciding there is no Redis.
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const db = await claim(u, id);
      const withDb = new URL(url);
      withDb.pathname = `/${db}`;
      return {
        url: withDb.toString(),
        database: db,
        message: `cache: Redis at ${u.host}, database ${db} (this state folder's own: no other berth dev shares its keys)`,
      };
    } catch (err) {
      last = (err as Error).message;
      if (/all 15 databases/.test(last)) break;
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  return {
    message: `cache: no usable Redis at ${u.host} after ${ATTEMPTS} tries (${last}); services use their in-process cache (set REDIS_URL to use one)`,
  };
}

function realpath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** The database this state folder claimed before, else the first free one. */
async function claim(u: URL, id: string): Promise<number> {
  const redis = await RespClient.connect(u);
  try {
    if (u.password)
      await redis.call('AUTH', decodeURIComponent(u.username || 'default'), decodeURIComponent(u.password));
    await redis.call('SELECT', '0');
    for (let db = 1; db <= 15; db++) {
      const key = `berth:dev:db:${db}`;
      const owner = await redis.call('GET', key);
      if (owner === id) return db;
    }
    for (let db = 1; db <= 15; db++) {
      if ((await redis.call('SET', `berth:dev:db:${db}`, id, 'NX')) === 'OK') return db;
    }
    throw new Error('all 15 databases are claimed by other state folders (berth:dev:db:* in database 0)');
  } finally {
    redis.close();
  }
}

/** Just enough RESP for a handful of commands: one request, one reply, in order. */
class RespClient {
  private buffer = '';
  private waiting: ((reply: string | null | Error) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.drain();
    });
    socket.on('error', (err) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(err);
    });
  }

  static connect(u: URL): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      socket.once('error', reject);
      socket.connect(Number(u.port || 6379), u.hostname || '127.0.0.1', () =>
        resolve(new RespClient(socket)),
      );
    });
  }

  call(...args: string[]): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.waiting = (reply) => (reply instanceof Error ? reject(reply) : resolve(reply));
      this.socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buffer.slice(0, end);
    let reply: string | null | Error;
    let rest: string;
    if (head[0] === '$') {
      const len = Number(head.slice(1));
      if (len < 0) {
        reply = null;
        rest = this.buffer.slice(end + 2);
      } else {
        if (this.buffer.length < end + 2 + len + 2) return;
        reply = this.buffer.slice(end + 2, end + 2 + len);
        rest = this.buffer.slice(end + 2 + len + 2);
      }
    } else {
      reply = head[0] === '-' ? new Error(head.slice(1)) : head.slice(1);
      rest = this.buffer.slice(end + 2);
    }
    this.buffer = rest;
    const w = this.waiting;
    this.waiting = undefined;
    w(reply);
  }
}
