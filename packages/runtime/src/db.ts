import { lazy } from './interop';
import pg from 'pg';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseDatabaseSecret, type DatabaseConfig, type DatabaseSecret } from './config';
import { DatabaseTimeoutError, DatabaseUnavailableError } from './errors';
import type { Logger } from './logger';

export type QueryResult<T> = pg.QueryResult<T & pg.QueryResultRow>;

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface DbStats {
  /** Clients open in the current writer pool. */
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  /** 1 at start, +1 per pool rebuilt after a credential rotation. */
  readonly generation: number;
  readonly rotations: number;
  /** How long the last rebuild took (secret re-read + new pool + first connection), ms. */
  readonly lastRotationMs: number | undefined;
}

export interface Db extends Queryable {
  readonly write: Queryable;
  /** The read replica when DATABASE_READ_HOST is set, else the writer. */
  readonly read: Queryable;
  /**
   * BEGIN … COMMIT on one client; ROLLBACK and rethrow if `fn` throws. `timeoutMs` replaces the statement timeout
   * inside this transaction only (migrations building an index).
   */
  transaction<T>(fn: (q: Queryable) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  stats(): DbStats;
}

export interface DbOptions {
  readonly log: Logger;
  /** Used to re-read the secret after a rotation. @default - created lazily when secretArn is set */
  readonly secretsManager?: SecretsManagerClient;
  /** Shown in pg_stat_activity: the service's name. @default 'berth' */
  readonly applicationName?: string;
  /** Region and endpoint of the Secrets Manager client created when none is given. @default - the SDK's own resolution */
  readonly region?: string;
  readonly secretsManagerEndpoint?: string;
  /** @default 10 */
  readonly poolSize?: number;
  /**
   * Server-side statement_timeout; the client gives up `QUERY_TIMEOUT_MARGIN_MS` later even if the server never
   * answers (a hung or partitioned database). Keeps a DB route's worst case near 2 s, under the ALB's patience and
   * far under a user's. Migrations and jobs that need longer pass `timeoutMs` to `transaction()`. @default 1500
   */
  readonly statementTimeoutMs?: number;
  /** Longest wait for a new connection (TCP + TLS + auth) or a free pool slot. @default 1500 */
  readonly connectTimeoutMs?: number;
  /** Least time between two secret re-reads, so a wrong secret cannot turn into a Secrets Manager storm. @default 1000 */
  readonly minRotationIntervalMs?: number;
}

/** The client-side timeout's lead over statement_timeout, so the server's own 57014 normally wins. */
export const QUERY_TIMEOUT_MARGIN_MS = 500;

/** SQLSTATEs after which a client must be destroyed, not returned to the pool. */
const BROKEN_CLIENT_CODES = new Set(['25006', '57P01', '57P02', '57P03', '53300']);
const AUTH_CODES = new Set(['28P01', '28000']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connection error|Connection ended|Cannot use a pool after calling end|not queryable|Client was closed/i;

type PgError = Error & { code?: string };

/**
 * A checked-out client's connection errors reach its pending query; an 'error' event with no listener would also
 * throw from the emitter and crash the process. One listener per client, added on its first checkout and kept
 * (pg-pool adds its own while the client is idle), instead of an on/off pair and a closure per query.
 */
const GUARDED = Symbol('berth.errorListener');
const ignoreError = () => undefined;
function guard(client: pg.PoolClient): pg.PoolClient {
  const c = client as pg.PoolClient & { [GUARDED]?: true };
  if (!c[GUARDED]) {
    c.on('error', ignoreError);
    c[GUARDED] = true;
  }
  return client;
}

export function isAuthFailure(err: unknown): boolean {
  return AUTH_CODES.has((err as PgError)?.code ?? '');
}

/** The connection (not the statement) failed: the client is unusable and the database may be failing over. */
export function isConnectionFailure(err: unknown): boolean {
  const e = err as PgError;
  if (!e || typeof e !== 'object') return false;
  const code = e.code ?? '';
  return (
    BROKEN_CLIENT_CODES.has(code) ||
    code.startsWith('08') ||
    NETWORK_CODES.has(code) ||
    CONNECTION_MESSAGES.test(e.message ?? '')
  );
}

function isTimeout(err: unknown): boolean {
  const e = err as PgError;
  return e?.code === '57014' || /Query read timeout/.test(e?.message ?? '');
}

/** Maps driver errors to the runtime's 503s; SQL errors (constraint, syntax) pass through unchanged. */
export function mapDatabaseError(err: unknown): unknown {
  if (isTimeout(err)) return new DatabaseTimeoutError(undefined, { cause: err });
  if (isAuthFailure(err))
    return new DatabaseUnavailableError('Database authentication failed', { cause: err });
  if (isConnectionFailure(err)) return new DatabaseUnavailableError(undefined, { cause: err });
  return err;
}

interface Generation {
  readonly id: number;
  readonly secret: DatabaseSecret;
  readonly writer: pg.Pool;
  readonly reader: pg.Pool | undefined;
  inflight: number;
  retired: boolean;
  ended?: Promise<void>;
}

/**
 * A pg pool pair (writer, optional reader) that survives credential rotation and failover without a restart.
 *
 * Rotation: a connect that fails with 28P01/28000 re-reads the secret (once for all concurrent failures), builds a
 * new generation of pools, retires the old one when its in-flight work ends, and retries — safe for writes too,
 * because nothing was sent yet. Failover: any client that failed at the connection level is destroyed, never
 * reused; reads are retried once on a fresh client, writes are not (the statement may have run).
 */
export function createDb(config: DatabaseConfig, options: DbOptions): Db {
  const { log } = options;
  const poolSize = options.poolSize ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 1_500;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_500;
  const minRotationIntervalMs = options.minRotationIntervalMs ?? 1_000;
  let secretsManager = options.secretsManager;
  let closed = false;
  let rotations = 0;
  let lastRotationMs: number | undefined;
  let lastSecretReadAt = 0;
  let rotating: Promise<void> | undefined;

  const makePool = (secret: DatabaseSecret, host: string): pg.Pool => {
    const pool = new pg.Pool({
      user: secret.username,
      password: secret.password,
      host,
      port: secret.port,
      database: secret.dbname,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: statementTimeoutMs,
      // Client-side guard in case the server never answers (hung, partitioned): a little after the server's own.
      query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      keepAlive: true,
      application_name: options.applicationName ?? 'berth',
    });
    // An idle client whose backend died emits 'error'; pg-pool removes it. Without a listener it would crash us.
    pool.on('error', (err) =>
      log.warn({ err: { message: err.message, code: (err as PgError).code } }, 'db: idle client error'),
    );
    return pool;
  };

  const makeGeneration = (id: number, secret: DatabaseSecret): Generation => ({
    id,
    secret,
    writer: makePool(secret, secret.host),
    reader: config.readHost ? makePool(secret, config.readHost) : undefined,
    inflight: 0,
    retired: false,
  });

  let current = makeGeneration(1, config.secret);

  const endGeneration = (gen: Generation): Promise<void> => {
    gen.ended ??= Promise.all([gen.writer.end(), gen.reader?.end()]).then(
      () => undefined,
      (err: Error) => log.warn({ err: { message: err.message } }, 'db: ending a pool'),
    );
    return gen.ended;
  };

  const retire = (gen: Generation) => {
    gen.retired = true;
    if (gen.inflight === 0) void endGeneration(gen);
  };

  const readSecret = async (): Promise<DatabaseSecret> => {
    if (!secretsManager) {
      const { SecretsManagerClient } = await lazy(import('@aws-sdk/client-secrets-manager'));
      secretsManager = new SecretsManagerClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.secretsManagerEndpoint ? { endpoint: options.secretsManagerEndpoint } : {}),
      });
    }
    const { GetSecretValueCommand } = await lazy(import('@aws-sdk/client-secrets-manager'));
    const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: config.secretArn }));
    if (!out.SecretString) throw new DatabaseUnavailableError('Database secret has no SecretString');
    return parseDatabaseSecret(out.SecretString, 'Secrets Manager secret (DATABASE_SECRET_ARN)');
  };

  /** Single-flight: every auth failure on generation `failed` waits for the same re-read. */
  const rotate = (failed: Generation): Promise<void> => {
    if (current !== failed) return Promise.resolve();
    if (rotating) return rotating;
    if (Date.now() - lastSecretReadAt < minRotationIntervalMs) {
      return Promise.reject(
        new DatabaseUnavailableError('Database authentication failed (secret re-read recently)'),
      );
    }
    const started = performance.now();
    rotating = (async () => {
      lastSecretReadAt = Date.now();
      const secret = await readSecret();
      if (closed) return;
      const same =
        secret.password === failed.secret.password &&
        secret.username === failed.secret.username &&
        secret.host === failed.secret.host;
      if (same)
        throw new DatabaseUnavailableError('Database authentication failed and the secret has not changed');
      // Prove the new credentials with one connection before swapping, so a bad secret never replaces a pool.
      const next = makeGeneration(failed.id + 1, secret);
      try {
        const probe = await next.writer.connect();
        probe.release();
      } catch (err) {
        void endGeneration(next);
        throw err;
      }
      const old = current;
      current = next;
      retire(old);
      rotations++;
      lastRotationMs = Math.round(performance.now() - started);
      log.info({ generation: current.id, ms: lastRotationMs }, 'db: credentials rotated, pool rebuilt');
    })().finally(() => {
      rotating = undefined;
    });
    return rotating;
  };

  /**
   * After a failed connect on `gen` at acquire's `attempt`: resolves when a retry is due (the secret was re-read,
   * or the generation was retired meanwhile: nothing was sent), else rejects with the mapped error.
   */
  const afterConnectFailure = async (gen: Generation, err: unknown, attempt: number): Promise<void> => {
    if (isAuthFailure(err) && config.secretArn && attempt === 0) {
      log.warn({ generation: gen.id }, 'db: authentication failed, re-reading the secret');
      try {
        await rotate(gen);
      } catch (rotateErr) {
        log.error({ err: { message: (rotateErr as Error).message } }, 'db: secret re-read failed');
        throw mapDatabaseError(err);
      }
      return;
    }
    // The pool was retired between reading `current` and connecting: harmless, nothing was sent.
    if (gen.retired && attempt < 2) return;
    throw mapDatabaseError(err);
  };

  /** A client from the current generation; auth failures rotate and retry (nothing has been sent yet). */
  const acquire = async (
    role: 'write' | 'read',
    firstAttempt = 0,
  ): Promise<{ gen: Generation; client: pg.PoolClient }> => {
    if (closed) throw new DatabaseUnavailableError('Database pool is closed');
    for (let attempt = firstAttempt; ; attempt++) {
      const gen = current;
      const pool = role === 'read' ? (gen.reader ?? gen.writer) : gen.writer;
      gen.inflight++;
      try {
        const client = guard(await pool.connect());
        return { gen, client };
      } catch (err) {
        done(gen);
        await afterConnectFailure(gen, err, attempt);
      }
    }
  };

  const done = (gen: Generation) => {
    gen.inflight--;
    if (gen.retired && gen.inflight === 0) void endGeneration(gen);
  };

  /** Releases a client; one that failed at the connection level is destroyed (release(err)), never reused. */
  const release = (gen: Generation, client: pg.PoolClient, err: unknown) => {
    // A client-side query timeout leaves the statement's answer in flight on that socket: never reuse it either.
    const broken =
      err && (isConnectionFailure(err) || /Query read timeout/.test((err as Error).message ?? ''));
    client.release(broken ? (err as Error) : undefined);
    done(gen);
  };

  /** run() after its first try failed: `attempt` of the statement, `connectAttempt` of acquire's first connect. */
  const runAgain = async <T>(
    role: 'write' | 'read',
    sql: string,
    params: unknown[] | undefined,
    firstAttempt: number,
    connectAttempt: number,
  ): Promise<QueryResult<T>> => {
    for (let attempt = firstAttempt; ; attempt++) {
      const { gen, client } = await acquire(role, attempt === firstAttempt ? connectAttempt : 0);
      try {
        const result = await client.query<T & pg.QueryResultRow>(sql, params);
        release(gen, client, undefined);
        return result;
      } catch (err) {
        release(gen, client, err);
        if (role === 'read' && attempt === 0 && isConnectionFailure(err)) {
          warnRetry(err);
          continue;
        }
        throw mapDatabaseError(err);
      }
    }
  };

  const warnRetry = (err: unknown) =>
    log.warn(
      { err: { message: (err as Error).message, code: (err as PgError).code } },
      'db: read failed on a broken connection, retrying once',
    );

  /**
   * One statement: check a client out, run it, release it, all through pg's callbacks, as pg-pool's own
   * `pool.query` does; anything but success goes on in runAgain (rotation, retired pool, a read's one retry), as
   * the first pass of its loop would. Not `await pool.connect()` then `await client.query()`: under load (50
   * connections on a pool of 10) that shape made V8 promote ~0.8 KB per query (rows, parsed messages, the Query,
   * the awaiting frames) out of the young generation, where a scavenge would have freed it, into the old one, to
   * wait for a full collection: ~17 MB more peak RSS on talent's DB route (docs/performance.md, "RSS").
   */
  const run = <T>(
    role: 'write' | 'read',
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> => {
    if (closed) return Promise.reject(new DatabaseUnavailableError('Database pool is closed'));
    const values = params as unknown[] | undefined;
    const gen = current;
    const pool = role === 'read' ? (gen.reader ?? gen.writer) : gen.writer;
    gen.inflight++;
    return new Promise((resolve, reject) => {
      pool.connect((connectErr, client) => {
        if (connectErr || !client) {
          done(gen);
          afterConnectFailure(gen, connectErr, 0)
            .then(() => runAgain<T>(role, sql, values, 0, 1))
            .then(resolve, reject);
          return;
        }
        const settle = (err: Error | undefined, result?: QueryResult<T>) => {
          release(gen, client, err);
          if (!err) resolve(result!);
          else if (role === 'read' && isConnectionFailure(err)) {
            warnRetry(err);
            runAgain<T>(role, sql, values, 1, 0).then(resolve, reject);
          } else reject(mapDatabaseError(err));
        };
        try {
          // `values` may be undefined: pg reads them only when given.
          guard(client).query<T & pg.QueryResultRow>(sql, values as unknown[], settle);
        } catch (err) {
          settle(err as Error);
        }
      });
    });
  };

  const write: Queryable = { query: (sql, params) => run('write', sql, params) };
  const read: Queryable = config.readHost ? { query: (sql, params) => run('read', sql, params) } : write;

  return {
    query: write.query,
    write,
    read,
    async transaction<T>(
      fn: (q: Queryable) => Promise<T>,
      txOptions: { timeoutMs?: number } = {},
    ): Promise<T> {
      const timeoutMs = txOptions.timeoutMs;
      if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1))
        throw new RangeError(`transaction: timeoutMs is ${String(timeoutMs)}; expected a positive integer`);
      const { gen, client } = await acquire('write');
      const queryTimeout = timeoutMs === undefined ? undefined : timeoutMs + QUERY_TIMEOUT_MARGIN_MS;
      const q: Queryable = {
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          try {
            return await client.query<R & pg.QueryResultRow>({
              text: sql,
              ...(params ? { values: params as unknown[] } : {}),
              ...(queryTimeout === undefined ? {} : { query_timeout: queryTimeout }),
            } as pg.QueryConfig);
          } catch (err) {
            throw mapDatabaseError(err);
          }
        },
      };
      let failure: unknown;
      try {
        await client.query('BEGIN');
        // SET LOCAL ends with the transaction, so the pooled client keeps its default afterwards.
        if (timeoutMs !== undefined) await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
        const result = await fn(q);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failure = (err as { cause?: unknown }).cause ?? err;
        await client.query('ROLLBACK').catch(() => undefined);
        throw mapDatabaseError(err);
      } finally {
        release(gen, client, failure);
      }
    },
    async ping() {
      await run('write', 'SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await rotating?.catch(() => undefined);
      current.retired = true;
      // pg-pool's end() waits for checked-out clients, so in-flight queries finish first.
      await endGeneration(current);
    },
    stats() {
      const pool = current.writer;
      return {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        generation: current.id,
        rotations,
        lastRotationMs,
      };
    },
  };
}
