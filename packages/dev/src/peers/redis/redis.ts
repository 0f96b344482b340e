import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { RespClient } from './resp';

/**
 * A Redis `berth dev` did not start is shared: two runs of one app (two checkouts, two state folders) would read each
 * other's cache, since keys are `<app>:<stage>:…`. Each state folder claims a database index of its own (1–15; 0 is
 * left to whoever else uses the server) and passes it in CACHE_URL (`redis://host:port/<n>`), which every Redis
 * client reads. The claims live in database 0 as `berth:dev:db:<n>` → the state folder's id.
 *
 * A claim is sticky (a state folder gets the same database on every run) but not forever: it expires CLAIM_TTL_S
 * after its last use, and a running session renews it every RENEW_MS. When all 15 are claimed, the claim renewed
 * least recently — and not within STALE_S, so not a running session's — is taken over (as is one from an older Berth
 * with no expiry), after deleting the keys under this app's prefix in that database: what an earlier owner cached
 * for the same app and stage must not be read as this folder's. Without this, 15 state folders (a test suite makes
 * that many in minutes) would use up the server for good.
 */
export interface CacheDecision {
  /** CACHE_URL for the services, with the claimed database; undefined: no Redis answered, in-process cache. */
  readonly url?: string;
  readonly database?: number;
  /** Extends the claim (call every RENEW_MS while the session runs); false when it is no longer this folder's. */
  readonly renew?: () => Promise<boolean>;
  /** What was decided and why, for the terminal. */
  readonly message: string;
}

const ATTEMPTS = 3;
/** A week: a state folder used within it keeps its database. */
export const CLAIM_TTL_S = 7 * 24 * 3600;
/** A running session renews its claim this often… */
export const RENEW_MS = 30_000;
/** …so a claim not renewed for this long is not a running session's. */
export const STALE_S = 120;

/**
 * @param keyPrefix the runtime's cache key prefix for this app and stage (`<app>:<stage>:`), cleared in a database
 *   taken over from another state folder
 */
export async function decideCache(url: string, stateDir: string, keyPrefix = ''): Promise<CacheDecision> {
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
      const db = await claim(u, id, keyPrefix);
      const withDb = new URL(url);
      withDb.pathname = `/${db}`;
      return {
        url: withDb.toString(),
        database: db,
        renew: () => renew(u, id, db),
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

export function realpath(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * The database this state folder claimed before, else the first free one, else the least recently renewed claim
 * that is not a running session's (its keys under `keyPrefix` deleted first).
 */
async function claim(u: URL, id: string, keyPrefix: string): Promise<number> {
  const redis = await claimsClient(u);
  try {
    const ttls: Array<{ db: number; ttl: number }> = [];
    for (let db = 1; db <= 15; db++) {
      const key = claimKey(db);
      const owner = await redis.call('GET', key);
      if (owner === id) {
        await redis.call('EXPIRE', key, String(CLAIM_TTL_S));
        return db;
      }
      if (owner !== null) ttls.push({ db, ttl: Number(await redis.call('TTL', key)) });
    }
    for (let db = 1; db <= 15; db++) {
      if ((await redis.call('SET', claimKey(db), id, 'NX', 'EX', String(CLAIM_TTL_S))) === 'OK') {
        await clearPrefix(redis, db, keyPrefix);
        return db;
      }
    }
    // TTL -1: a claim from a Berth that set no expiry. Otherwise the one renewed longest ago, if not recently.
    const stale = ttls
      .filter(({ ttl }) => ttl === -1 || ttl < CLAIM_TTL_S - STALE_S)
      .sort((a, b) => (a.ttl === -1 ? -Infinity : a.ttl) - (b.ttl === -1 ? -Infinity : b.ttl))[0];
    if (stale) {
      await redis.call('SET', claimKey(stale.db), id, 'EX', String(CLAIM_TTL_S));
      await clearPrefix(redis, stale.db, keyPrefix);
      return stale.db;
    }
    throw new Error(
      'all 15 databases are claimed by running berth dev sessions of other state folders (berth:dev:db:* in database 0)',
    );
  } finally {
    redis.close();
  }
}

/** A connection to database 0, where the claims live, authenticated as the URL says. */
async function claimsClient(u: URL): Promise<RespClient> {
  const redis = await RespClient.connect(u);
  try {
    if (u.password)
      await redis.call('AUTH', decodeURIComponent(u.username || 'default'), decodeURIComponent(u.password));
    await redis.call('SELECT', '0');
    return redis;
  } catch (err) {
    redis.close();
    throw err;
  }
}

function claimKey(db: number): string {
  return `berth:dev:db:${db}`;
}

/** Deletes the keys under `prefix` in database `db` (nothing when the prefix is empty), then selects 0 again. */
async function clearPrefix(redis: RespClient, db: number, prefix: string): Promise<void> {
  if (!prefix) return;
  await redis.call('SELECT', String(db));
  // One script, so the reply is a number (this client reads no arrays); a dev database holds few keys.
  const script =
    "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n";
  await redis.call('EVAL', script, '0', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`);
  await redis.call('SELECT', '0');
}

/** Extends this folder's claim on `db`; false when another folder holds it now. */
async function renew(u: URL, id: string, db: number): Promise<boolean> {
  const redis = await claimsClient(u);
  try {
    if ((await redis.call('GET', claimKey(db))) !== id) return false;
    await redis.call('EXPIRE', claimKey(db), String(CLAIM_TTL_S));
    return true;
  } finally {
    redis.close();
  }
}
