import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDb,
  createLogger,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  type Db,
} from '../src/index';
import { createTestDatabase, freePort, type TestDatabase } from '../../../test/support';

const log = createLogger({ service: 'test', stage: 'dev', level: 'silent' });

describe('db', () => {
  let database: TestDatabase;
  let db: Db;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb({ secret: database.secret }, { log, poolSize: 10, statementTimeoutMs: 1_000 });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await db.query('CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)');
  });

  afterAll(async () => {
    await db?.close();
    await admin?.end();
    await database?.drop();
  });

  it('queries with parameters; read is the writer when there is no replica', async () => {
    const { rows } = await db.query<{ n: number }>('SELECT $1::int + 1 AS n', [41]);
    expect(rows[0]!.n).toBe(42);
    expect(db.read).toBe(db.write);
    await db.ping();
  });

  it('transaction commits, and rolls back when fn throws', async () => {
    await db.transaction(async (q) => {
      await q.query("INSERT INTO items (name) VALUES ('a')");
    });
    await expect(
      db.transaction(async (q) => {
        await q.query("INSERT INTO items (name) VALUES ('b')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ name: string }>('SELECT name FROM items ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['a']);
  });

  it('SQL errors pass through unchanged (the app maps constraint violations itself)', async () => {
    await expect(db.query("INSERT INTO items (name) VALUES ('a')")).rejects.toMatchObject({ code: '23505' });
  });

  it('statement_timeout → DatabaseTimeoutError (503), the pool stays usable', async () => {
    const err = await db.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseTimeoutError);
    expect(err).toMatchObject({ code: 'DB_TIMEOUT', statusCode: 503 });
    await db.ping();
  });

  it('an unreachable server → DatabaseUnavailableError within the connect timeout, never a hang', async () => {
    const port = await freePort();
    const dead = createDb({ secret: { ...database.secret, port } }, { log, connectTimeoutMs: 300 });
    const started = Date.now();
    const err = await dead.query('SELECT 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err).toMatchObject({ code: 'DB_UNAVAILABLE', statusCode: 503 });
    expect(Date.now() - started).toBeLessThan(2_000);
    await dead.close();
  });

  it('backends killed with pg_terminate_backend while queries run → those fail with 503, the process lives, later queries succeed', async () => {
    const terminate = () =>
      admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database.name],
      );
    const running = Array.from({ length: 20 }, () =>
      db.query('SELECT pg_sleep(0.5)').then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    await terminate();
    const outcomes = await Promise.all(running);
    const failed = outcomes.filter((o) => o !== 'ok');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f).toBeInstanceOf(DatabaseUnavailableError);

    // Idle clients killed too: their 'error' event must not crash the process.
    await Promise.all(Array.from({ length: 10 }, () => db.query('SELECT 1')));
    await terminate();
    await new Promise((r) => setTimeout(r, 100));

    const later = await Promise.all(
      Array.from({ length: 30 }, (_, i) => db.query<{ i: number }>('SELECT $1::int AS i', [i])),
    );
    expect(later.map((r) => r.rows[0]!.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(db.stats().total).toBeLessThanOrEqual(10);
  });

  it('reads retry once on a broken connection; a transaction on a killed backend fails with 503 and rolls back', async () => {
    const { rows } = await db.read.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(rows[0]!.pid).toBeGreaterThan(0);
    const err = await db
      .transaction(async (q) => {
        const { rows: me } = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [me[0]!.pid]);
        await q.query("INSERT INTO items (name) VALUES ('never')");
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    const { rows: never } = await db.query("SELECT 1 FROM items WHERE name = 'never'");
    expect(never).toHaveLength(0);
  });

  it('with a read host, db.read uses its own pool and recovers when its connection was killed', async () => {
    // The same server under two names stands in for writer and reader endpoints.
    const replica = createDb(
      { secret: { ...database.secret, host: 'localhost' }, readHost: '127.0.0.1' },
      { log, poolSize: 2 },
    );
    expect(replica.read).not.toBe(replica.write);
    const { rows } = await replica.read.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    const again = await replica.read.query<{ one: number }>('SELECT 1 AS one');
    expect(again.rows[0]!.one).toBe(1);
    await replica.close();
  });
});
