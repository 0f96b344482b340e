import { createHash, randomBytes } from 'node:crypto';
import { decideCache, realpath, type CacheDecision } from './redis';
import { RespClient } from './resp';

/**
 * Without a `redis-server` to run, the next best on a shared Redis (one whose default user may administer it): an
 * ACL user of this state folder's own, `berth-dev-<id>`, with a random password, in the database the folder claims
 * (./redis.ts). CACHE_URL carries that user and password, as a cloud URL carries its token.
 *
 * What it does not do: keep out whoever connects as the server's default user. When that user needs no password
 * (a stock Redis), anyone on the machine can still write these keys, and the message says so.
 */
export interface AclDecision extends CacheDecision {
  /** The default user logs in with any password (or none): the keys are not private. */
  readonly openDefaultUser?: boolean;
}

/**
 * @param adminUrl the shared server, reached as a user allowed `ACL SETUSER` (its default user, usually)
 */
export async function aclCache(
  adminUrl: string,
  stateDir: string,
  password: string,
  keyPrefix: string,
): Promise<AclDecision> {
  const u = new URL(adminUrl);
  const user = `berth-dev-${createHash('sha256').update(realpath(stateDir)).digest('hex').slice(0, 12)}`;
  let openDefaultUser = false;
  try {
    const admin = await RespClient.connect(u);
    try {
      // Any password is accepted for a `nopass` default user: a random one tells whether it is open.
      openDefaultUser = await admin.call('AUTH', 'default', randomToken()).then(
        (r) => r === 'OK',
        () => false,
      );
      if (u.password)
        await admin.call('AUTH', decodeURIComponent(u.username || 'default'), decodeURIComponent(u.password));
      // `reset` first: a user left by an earlier run (another password, other rules) is redefined, not added to.
      await admin.call(
        'ACL',
        'SETUSER',
        user,
        'reset',
        'on',
        `>${password}`,
        '~*',
        '&*',
        '+@all',
        '-@admin',
        '-@dangerous',
        // Clients check readiness with INFO (ioredis does): it only describes the server.
        '+info',
      );
    } finally {
      admin.close();
    }
  } catch (err) {
    return { message: `the Redis at ${u.host} does not allow ACL SETUSER (${(err as Error).message})` };
  }
  const claimed = await decideCache(adminUrl, stateDir, keyPrefix);
  if (!claimed.url || claimed.database === undefined) return claimed;
  const url = new URL(claimed.url);
  url.username = user;
  url.password = encodeURIComponent(password);
  return {
    ...claimed,
    url: url.toString(),
    openDefaultUser,
    message: `cache: Redis at ${u.host} as ACL user ${user} (its own password), database ${claimed.database}${
      openDefaultUser
        ? ". Its default user needs no password, so other accounts on this machine can still write these keys: install redis-server for a Redis of this state folder's own"
        : ''
    }`,
  };
}

function randomToken(): string {
  return randomBytes(16).toString('hex');
}
