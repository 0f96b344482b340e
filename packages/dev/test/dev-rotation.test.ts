import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createLogger } from '@berthjs/runtime';
import { startPostgres, type DisposablePostgres } from '../../../test/support';
import { python } from '../../../test/support/python';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_CREDENTIALS } from '../src/session/env';
import { rotateDatabaseSecret } from '../src/peers/secrets-manager/rotation';
import { startSecretsManager, type LocalSecretsManager } from '../src/peers/secrets-manager/secrets-manager';

/** A connection attempt's SQLSTATE, or 'ok'. */
async function tryConnect(secret: { username: string; password: string; host: string; port: number }) {
  const client = new pg.Client({ ...secret, user: secret.username, database: 'postgres' });
  try {
    await client.connect();
    await client.end();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

describe('berth dev rotate: the local database secret, rotated as Secrets Manager does', () => {
  let server: DisposablePostgres;
  let dir: string;
  let sm: LocalSecretsManager;
  let arn: string;

  beforeAll(async () => {
    // A private server: rotation changes the superuser's password.
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'berth-rotate-'));
    sm = await startSecretsManager({
      port: 0,
      file: join(dir, 'secretsmanager.json'),
      region: 'us-east-1',
      credentials: {
        accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
    });
    arn = sm.ensure('fixture/dev/database', JSON.stringify({ engine: 'postgres', ...server.secret }));
  });
  afterAll(async () => {
    await sm?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves AWSCURRENT to a new password that opens the database, and the old one stops working', async () => {
    const before = JSON.parse(sm.read(arn)!.value) as typeof server.secret;
    expect(await tryConnect(before)).toBe('ok');
    const rotated = await rotateDatabaseSecret(sm, arn);
    const after = JSON.parse(sm.read(arn)!.value) as typeof server.secret & { engine: string };
    expect(rotated.arn).toBe(arn);
    expect(sm.read(arn)!.versionId).toBe(rotated.versionId);
    expect(after.password).not.toBe(before.password);
    expect(after).toMatchObject({ engine: 'postgres', username: 'postgres', port: server.port });
    expect(await tryConnect(after)).toBe('ok');
    // 28P01: invalid_password — exactly what a task holding the old PGPASSWORD sees.
    expect(await tryConnect(before)).toBe('28P01');
    expect(JSON.parse(sm.read(arn, 'AWSPREVIOUS')!.value).password).toBe(before.password);
    expect(sm.read(arn, 'AWSPENDING')).toBeUndefined();
  });

  it('the Node runtime recovers without a restart: it re-reads the secret through the peer and reconnects', async () => {
    const secret = JSON.parse(sm.read(arn)!.value) as typeof server.secret;
    const db = createDb(
      { secret, secretArn: arn },
      {
        log: createLogger({ service: 'api', stage: 'dev', level: 'silent' }),
        // What berth dev gives a service: the peer's endpoint and the local credentials.
        secretsManager: new SecretsManagerClient({
          region: 'us-east-1',
          endpoint: sm.endpoint,
          credentials: {
            accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
            secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
          },
        }),
        minRotationIntervalMs: 0,
      },
    );
    try {
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await rotateDatabaseSecret(sm, arn);
      // RDS keeps open sessions after a rotation; end them so the pool must open new ones with the new password.
      const admin = new pg.Client({
        ...JSON.parse(sm.read(arn)!.value),
        user: 'postgres',
        database: 'postgres',
      });
      await admin.connect();
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND usename = $1',
        ['postgres'],
      );
      await admin.end();
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(db.stats().rotations).toBeGreaterThanOrEqual(1);
    } finally {
      await db.close();
    }
  });

  it("the Python recipe (connect2's app/db.py) survives a rotation with a stale PGPASSWORD, as a task would", async () => {
    const stale = JSON.parse(sm.read(arn)!.value) as typeof server.secret;
    await rotateDatabaseSecret(sm, arn);
    // The task's env from before the rotation: libpq's variables with the old password, the secret's ARN.
    const env = {
      PATH: process.env.PATH ?? '',
      PGHOST: stale.host,
      PGPORT: String(stale.port),
      PGUSER: stale.username,
      PGDATABASE: 'postgres',
      PGPASSWORD: stale.password,
      DATABASE_SECRET_ARN: arn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_DEFAULT_REGION: 'us-east-1',
      // The peer's pair: it verifies the signature.
      ...LOCAL_CREDENTIALS,
    };
    const cwd = resolve(import.meta.dirname, '../../../examples/seeds/connect2');
    const script =
      'from app import db\nwith db.connect() as c: print(c.execute("SELECT current_user").fetchone()[0])';
    const { stdout } = await promisify(execFile)(python(), ['-c', script], { cwd, env });
    expect(stdout.trim()).toBe('postgres');
    // Without the ARN the recipe's other branch: exit (3) so ECS starts a task with the new password.
    const { DATABASE_SECRET_ARN: _, ...noArn } = env;
    const failed = await promisify(execFile)(python(), ['-c', script], { cwd, env: noArn }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 3 });
    expect((failed as { stderr: string }).stderr).toMatch(/exiting so ECS replaces the task/);
  });
});
