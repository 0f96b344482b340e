import { aclCache } from './acl';
import { decideCache } from './redis';
import { findRedisServer, loadRedisCredentials, startRedisServer } from './server';
import type { Restartable } from '../supervise';

/** The machine's shared Redis, tried for an ACL user when there is no redis-server to run. */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** What `berth dev` gives the services as their cache, and how to look after it. */
export interface LocalCache {
  /** CACHE_URL, with the credentials in it; undefined: no Redis, the services use their in-process cache. */
  readonly url?: string;
  /** Where it answers, without credentials (the terminal, the console). */
  readonly endpoint?: string;
  /** The password alone, for a contract that also names CACHE_AUTH_TOKEN. */
  readonly password?: string;
  readonly kind: 'own' | 'acl' | 'redis-url' | 'none';
  /** Set when the Redis is berth dev's own process: the supervisor restarts it in place. */
  readonly restartable?: Restartable;
  /** Extends a claimed database (a shared Redis); false when another folder holds it now. */
  readonly renew?: () => Promise<boolean>;
  readonly database?: number;
  /** What was decided and why. */
  readonly message: string;
  /** Notes that came before the decision (why the better options were not taken). */
  readonly notes: readonly string[];
  stop(): Promise<void>;
}

export interface LocalCacheOptions {
  readonly stateDir: string;
  /** berth dev's environment: REDIS_URL, and PATH to find redis-server on. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The state's port for its own redis-server (the last run's when free). */
  readonly port: () => Promise<number>;
  /** The runtime's key prefix (`<app>:<stage>:`), cleared in a database taken over on a shared Redis. */
  readonly keyPrefix: string;
  /** The shared Redis tried for an ACL user. @default SHARED_REDIS_URL */
  readonly sharedUrl?: string;
}

const nothing = async () => undefined;

/**
 * In order: REDIS_URL when set (the developer's own server, used as they configured it, with a claimed database);
 * else a `redis-server` of this state folder's own, password-protected (./server.ts); else an ACL user with a
 * password on the shared Redis at 127.0.0.1:6379 (./acl.ts); else no Redis, said plainly: the runtime's cache is
 * fail-open and falls back to its in-process LRU.
 */
export async function startLocalCache(options: LocalCacheOptions): Promise<LocalCache> {
  const { stateDir, env, keyPrefix } = options;
  const notes: string[] = [];
  if (env.REDIS_URL) {
    const decision = await decideCache(env.REDIS_URL, stateDir, keyPrefix);
    if (!decision.url) return { kind: 'none', message: decision.message, notes, stop: nothing };
    const endpoint = withoutCredentials(decision.url);
    return {
      kind: 'redis-url',
      url: decision.url,
      endpoint,
      ...(decision.renew ? { renew: decision.renew } : {}),
      ...(decision.database !== undefined ? { database: decision.database } : {}),
      message: `${decision.message}; REDIS_URL is yours: whoever else can reach it can write these keys`,
      notes,
      stop: nothing,
    };
  }
  const credentials = loadRedisCredentials(stateDir);
  const bin = findRedisServer(env.PATH);
  if (bin) {
    try {
      const server = await startRedisServer({
        bin,
        stateDir,
        port: await options.port(),
        password: credentials.password,
      });
      return {
        kind: 'own',
        url: server.url,
        endpoint: server.endpoint,
        password: server.password,
        restartable: server.restartable,
        message: `cache: redis-server ${server.version} on :${server.port}, this state folder's own (password-protected, loopback only, no persistence)`,
        notes,
        stop: () => server.stop(),
      };
    } catch (err) {
      notes.push(`cache: redis-server did not start (${(err as Error).message.split('\n')[0]})`);
    }
  } else notes.push('cache: no redis-server on PATH');
  const shared = options.sharedUrl ?? SHARED_REDIS_URL;
  const acl = await aclCache(shared, stateDir, credentials.aclPassword, keyPrefix);
  if (acl.url) {
    return {
      kind: 'acl',
      url: acl.url,
      endpoint: withoutCredentials(acl.url),
      password: credentials.aclPassword,
      ...(acl.renew ? { renew: acl.renew } : {}),
      ...(acl.database !== undefined ? { database: acl.database } : {}),
      message: acl.message,
      notes,
      stop: nothing,
    };
  }
  return {
    kind: 'none',
    message: `cache: none (${[...notes.map((n) => n.replace(/^cache: /, '')), acl.message.replace(/^cache: /, '')].join('; ')}); services use their in-process cache. Install redis-server (e.g. apt install redis-server, brew install redis) for a Redis of this state folder's own, or set REDIS_URL`,
    notes: [],
    stop: nothing,
  };
}

/** The URL without user and password. */
export function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}
