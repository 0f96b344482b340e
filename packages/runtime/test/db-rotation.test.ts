import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createLogger, DatabaseUnavailableError, type DatabaseSecret } from '../src/index';
import { startPostgres, type DisposablePostgres } from '../../../test/support';

const log = createLogger({ service: 'test', stage: 'dev', level: 'silent' });
const ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:talent-db-AbCdEf';

// The shared test server trusts every local login, so a password change would prove nothing there:
// this file runs its own PostgreSQL with password authentication.
describe('db credential rotation', () => {
  let server: DisposablePostgres;
  let admin: pg.Client;
  let secret: DatabaseSecret;

  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.url });
    admin.on('error', () => undefined); // the restart test kills this session too
    await admin.connect();
    await admin.query("CREATE ROLE app_user LOGIN PASSWORD 'first-password'");
    await admin.query('CREATE DATABASE rotation OWNER app_user');
    secret = {
      username: 'app_user',
      password: 'first-password',
      host: '127.0.0.1',
      port: server.port,
      dbname: 'rotation',
    };
  });

  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await server?.close();
  });

  it('GIVEN the password is rotated and the secret updated THEN the next queries succeed in the same process', async () => {
    const sm = mockClient(SecretsManagerClient);
    let current = secret;
    let reads = 0;
    sm.on(GetSecretValueCommand, { SecretId: ARN }).callsFake(async () => {
      reads++;
      return { SecretString: JSON.stringify(current) };
    });
    const db = createDb(
      { secret, secretArn: ARN },
      { log, secretsManager: new SecretsManagerClient({ region: 'us-east-1' }), poolSize: 10 },
    );
    // Warm the pool: existing sessions survive ALTER ROLE, as they do on RDS.
    await Promise.all(Array.from({ length: 10 }, () => db.query('SELECT pg_sleep(0.02)')));
    expect(db.stats().generation).toBe(1);

    // WHEN: the rotation Lambda's setSecret + finishSecret steps, then the old sessions are recycled.
    await admin.query("ALTER ROLE app_user PASSWORD 'second-password'");
    current = { ...secret, password: 'second-password' };
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app_user'");
    await new Promise((r) => setTimeout(r, 100));

    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db.query<{ i: number }>('SELECT $1::int AS i', [i]).then(
          (r) => r.rows[0]!.i,
          (e: unknown) => e,
        ),
      ),
    );
    const elapsed = Math.round(performance.now() - started);
    const failed = outcomes.filter((o) => typeof o !== 'number');

    console.log(
      `rotation: pool rebuilt in ${db.stats().lastRotationMs} ms (secret re-read + new pool + first connection), 50 concurrent requests done in ${elapsed} ms, failed requests: ${failed.length}, secret reads: ${reads}`,
    );
    expect(failed).toEqual([]);
    expect(reads).toBe(1); // single-flight: 50 concurrent auth failures → one GetSecretValue
    expect(db.stats()).toMatchObject({ generation: 2, rotations: 1 });

    // And the writes made afterwards land, on the new credentials.
    await db.query('CREATE TABLE IF NOT EXISTS after_rotation (id int)');
    await db.query('INSERT INTO after_rotation VALUES (1)');
    await db.close();
    sm.restore();
  });

  it('GIVEN the secret was not updated yet THEN requests fail with 503 (not a hang) and Secrets Manager is not hammered', async () => {
    const sm = mockClient(SecretsManagerClient);
    let reads = 0;
    sm.on(GetSecretValueCommand).callsFake(async () => {
      reads++;
      return { SecretString: JSON.stringify({ ...secret, password: 'stale-password' }) };
    });
    const db = createDb(
      { secret: { ...secret, password: 'stale-password' }, secretArn: ARN },
      {
        log,
        secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
        minRotationIntervalMs: 60_000,
      },
    );
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => db.query('SELECT 1').catch((e: unknown) => e)),
    );
    for (const o of outcomes) expect(o).toBeInstanceOf(DatabaseUnavailableError);
    for (const o of outcomes) expect((o as Error).message).not.toContain('stale-password');
    await db.query('SELECT 1').catch(() => undefined);
    expect(reads).toBe(1);
    await db.close();
    sm.restore();
  });

  it('GIVEN no secret ARN (local dev) THEN an auth failure is a 503 without any Secrets Manager call', async () => {
    const sm = mockClient(SecretsManagerClient);
    const db = createDb(
      { secret: { ...secret, password: 'wrong' } },
      { log, secretsManager: new SecretsManagerClient({ region: 'us-east-1' }) },
    );
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    await db.close();
    sm.restore();
  });

  it('GIVEN the server goes down and comes back THEN queries answer 503 fast during the outage and succeed after, same pool', async () => {
    const db = createDb({ secret: server.secret }, { log, connectTimeoutMs: 1_000 });
    await Promise.all(Array.from({ length: 5 }, () => db.query('SELECT 1')));
    await server.stop();
    const started = Date.now();
    const during = await Promise.all(
      Array.from({ length: 10 }, () => db.query('SELECT 1').catch((e: unknown) => e)),
    );
    for (const o of during) expect(o).toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    await server.start();
    const after = await Promise.all(
      Array.from({ length: 10 }, (_, i) => db.query<{ i: number }>('SELECT $1::int AS i', [i])),
    );
    expect(after.map((r) => r.rows[0]!.i)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await db.close();
  });
});
