import { randomBytes } from 'node:crypto';
import type { DatabaseSecret } from '../../session/env';
import { CURRENT, PENDING, type LocalSecretsManager } from './secrets-manager';

export interface Rotated {
  readonly arn: string;
  readonly versionId: string;
  readonly ms: number;
}

/**
 * Rotates the local database secret the way Secrets Manager's single-user rotation for RDS does, in its four steps
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):
 * createSecret — a new password as AWSPENDING; setSecret — ALTER ROLE with it, connected with AWSCURRENT;
 * testSecret — a connection with AWSPENDING; finishSecret — AWSCURRENT moves to the new version (AWSPREVIOUS to the
 * old). From then on the old password no longer opens a connection; sessions already open stay open, as in RDS.
 */
export async function rotateDatabaseSecret(secrets: LocalSecretsManager, secretId: string): Promise<Rotated> {
  const t = performance.now();
  const current = secrets.read(secretId, CURRENT);
  if (!current) throw new Error(`no database secret '${secretId}' in the local Secrets Manager`);
  const now = JSON.parse(current.value) as DatabaseSecret;
  // URL-safe characters only, so the password needs no quoting in a DSN or a URL.
  const pending = secrets.put(
    secretId,
    JSON.stringify({ ...now, password: randomBytes(24).toString('base64url') }),
    [PENDING],
  );
  const next = JSON.parse(pending.value) as DatabaseSecret;

  const { default: pg } = await import('pg');
  const connect = async (s: DatabaseSecret) => {
    const client = new pg.Client({
      user: s.username,
      password: s.password,
      host: s.host,
      port: s.port,
      database: s.dbname,
      connectionTimeoutMillis: 5000,
    });
    await client.connect();
    return client;
  };
  const admin = await connect(now);
  try {
    await admin.query(
      `ALTER ROLE ${admin.escapeIdentifier(now.username)} PASSWORD ${admin.escapeLiteral(next.password)}`,
    );
  } finally {
    await admin.end();
  }
  const test = await connect(next);
  await test.query('SELECT 1');
  await test.end();
  secrets.moveStage(secretId, CURRENT, pending.versionId);
  secrets.removeStage(secretId, PENDING, pending.versionId);
  return { arn: current.arn, versionId: pending.versionId, ms: Math.round(performance.now() - t) };
}
