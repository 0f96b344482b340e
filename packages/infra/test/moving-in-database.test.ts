import { describe, expect, it } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { PermissionsProven, type Template } from '../src/rules/index';
import { templateOf } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const SHARED = 'arn:aws:rds:us-east-1:333333333333:cluster-snapshot:connect-final-2026-12-01';
const SHARED_INSTANCE = 'arn:aws:rds:us-east-1:333333333333:snapshot:connect-final-2026-12-01';
const KEY = 'arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function withDatabase(database: AppConfig['database']): AppConfig {
  return { ...(talent as AppConfig), database };
}

function synth(config: AppConfig) {
  const resolved = resolve(config, 'prod');
  const template = templateOf(resolved).toJSON() as Template & { Resources: Resources };
  return { resolved, template };
}

const ofType = (t: { Resources: Resources }, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

describe('database.snapshot', () => {
  it('restores an Aurora cluster from a shared cluster snapshot with its KMS key, the secret for its master user', () => {
    const { resolved, template } = synth(
      withDatabase({
        engine: 'aurora-serverless-v2',
        version: '17.9',
        name: 'talent',
        snapshot: { arn: SHARED, kmsKey: KEY, username: 'connect' },
      }),
    );
    expect(resolved.database?.snapshot).toMatchObject({ identifier: SHARED, shared: true, kmsKey: KEY });
    expect(resolved.database?.snapshot?.note).toMatch(/replaces the database/);
    const cluster = template.Resources.DatabaseCluster!;
    expect(cluster.Type).toBe('AWS::RDS::DBCluster');
    expect(cluster.Properties.SnapshotIdentifier).toBe(SHARED);
    expect((cluster as { Metadata?: Record<string, string> }).Metadata?.BerthSnapshot).toMatch(
      /replaces the database/,
    );
    expect(cluster.Properties.KmsKeyId).toBe(KEY);
    // No master user of Berth's own that the restore would ignore; the password is the generated secret's.
    expect(cluster.Properties.MasterUsername).toBeUndefined();
    expect(cluster.Properties.DatabaseName).toBeUndefined();
    expect(JSON.stringify(cluster.Properties.MasterUserPassword)).toContain('DatabaseSecret');
    const secret = template.Resources.DatabaseSecret!;
    expect(
      JSON.parse(
        (secret.Properties.GenerateSecretString as { SecretStringTemplate: string }).SecretStringTemplate,
      ),
    ).toEqual({ username: 'connect' });
    expect(
      ofType(template, 'AWS::SecretsManager::Secret').filter(([id]) => id.startsWith('Database')),
    ).toHaveLength(1);
    // Rotation still runs on the secret, and PGUSER is the snapshot's user.
    expect(ofType(template, 'AWS::SecretsManager::RotationSchedule')).toHaveLength(1);
    expect(JSON.stringify(template)).toContain('"Name":"PGUSER","Value":"connect"');
    expect(PermissionsProven.check({ template, resolved })).toEqual([]);
  });

  it('restores an RDS instance from a snapshot id: DBSnapshotIdentifier, no MasterUsername, encryption inherited', () => {
    const { template } = synth(
      withDatabase({
        engine: 'postgres',
        version: '17.6',
        snapshot: { id: 'connect-final', username: 'postgres' },
      }),
    );
    const instance = template.Resources.DatabaseInstance!;
    expect(instance.Type).toBe('AWS::RDS::DBInstance');
    expect(instance.Properties.DBSnapshotIdentifier).toBe('connect-final');
    expect(instance.Properties.MasterUsername).toBeUndefined();
    expect(instance.Properties.DBName).toBeUndefined();
    expect(instance.Properties.StorageEncrypted).toBeUndefined();
    expect(JSON.stringify(instance.Properties.MasterUserPassword)).toContain('DatabaseSecret');
  });

  it('restores an RDS instance from a shared instance snapshot by ARN', () => {
    const { template } = synth(
      withDatabase({
        engine: 'postgres',
        version: '17.6',
        snapshot: { arn: SHARED_INSTANCE, kmsKey: KEY, username: 'postgres' },
      }),
    );
    expect(template.Resources.DatabaseInstance!.Properties.DBSnapshotIdentifier).toBe(SHARED_INSTANCE);
  });

  it('refuses a snapshot of the other kind, in another region, or named twice, naming the path', () => {
    const bad = (snapshot: object, engine: 'postgres' | 'aurora-serverless-v2' = 'aurora-serverless-v2') => {
      try {
        resolve(withDatabase({ engine, snapshot: snapshot as never }), 'prod');
        return [];
      } catch (err) {
        return (err as { issues: { path: string; message: string }[] }).issues;
      }
    };
    expect(bad({ arn: SHARED_INSTANCE, username: 'u' })).toEqual([
      expect.objectContaining({
        path: 'database.snapshot.arn',
        message: expect.stringMatching(/cluster snapshot/),
      }),
    ]);
    expect(bad({ arn: SHARED.replace('us-east-1', 'eu-west-1'), username: 'u' })).toEqual([
      expect.objectContaining({
        path: 'database.snapshot.arn',
        message: expect.stringMatching(/copy the snapshot/),
      }),
    ]);
    expect(bad({ arn: SHARED, id: 'x', username: 'u' })).toEqual([
      expect.objectContaining({ path: 'database.snapshot' }),
    ]);
  });
});
