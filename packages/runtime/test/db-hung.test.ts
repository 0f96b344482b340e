import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, createDb, createLogger, createRuntime, fastifyOptions } from '../src/index';
import { contractEnv, createTestDatabase, type TestDatabase } from '../../../test/support';

const log = createLogger({ service: 'test', stage: 'dev', level: 'silent' });

/** A TCP relay to PostgreSQL that can go silent: the database "hangs" (packets vanish, nothing is refused). */
async function hangableRelay(target: { host: string; port: number }) {
  let hung = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (d) => void (hung || upstream.write(d)));
    upstream.on('data', (d) => void (hung || client.write(d)));
    for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => sockets.delete(s));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hang: () => void (hung = true),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('a hung database: DB routes answer 503 within about 2 s (default timeouts)', () => {
  let database: TestDatabase;
  let relay: Awaited<ReturnType<typeof hangableRelay>>;
  beforeAll(async () => {
    database = await createTestDatabase();
    relay = await hangableRelay(database.secret);
  });
  afterAll(async () => {
    await relay?.close();
    await database?.drop();
  });

  it('a pooled connection that stops answering, and a new connection that never completes → 503 in < 2.5 s', async () => {
    const runtime = createRuntime({
      env: contractEnv({ DATABASE_SECRET: JSON.stringify({ ...database.secret, port: relay.port }) }),
      logger: log,
    });
    const app = Fastify(fastifyOptions(runtime));
    await app.register(berth, { runtime });
    app.get('/rows', async () => (await runtime.db.query('SELECT 1 AS one')).rows);
    await app.ready();
    expect((await app.inject('/rows')).statusCode).toBe(200);

    relay.hang();
    for (let i = 0; i < 2; i++) {
      // First: the idle pooled client's query is never answered. Second: a fresh connect never completes.
      const started = performance.now();
      const res = await app.inject(
        i === 0 ? '/rows' : { url: '/rows', headers: { 'x-request-id': 'second' } },
      );
      const ms = performance.now() - started;
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toMatch(/^DB_(TIMEOUT|UNAVAILABLE)$/);
      expect(ms).toBeLessThan(2_500);
    }
    await app.close();
    await Promise.race([runtime.close(), new Promise((r) => setTimeout(r, 1_000))]);
  });

  it('transaction({ timeoutMs }) lets one transaction (a migration) run past the default', async () => {
    const db = createDb({ secret: database.secret }, { log });
    await expect(db.query('SELECT pg_sleep(1.8)')).rejects.toMatchObject({ code: 'DB_TIMEOUT' });
    await expect(
      db.transaction(async (q) => (await q.query('SELECT pg_sleep(1.8), 1 AS ok')).rows[0], {
        timeoutMs: 5_000,
      }),
    ).resolves.toMatchObject({ ok: 1 });
    // The longer timeout ended with the transaction: the pooled client is back to the default.
    await expect(db.query('SELECT pg_sleep(1.8)')).rejects.toMatchObject({ code: 'DB_TIMEOUT' });
    await expect(db.transaction(async () => 1, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs is 0/);
    await db.close();
  });
});
