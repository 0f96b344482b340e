import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { bucketLogicalId, CACHE_LOGICAL_IDS, DATABASE_LOGICAL_IDS, STANDBY_LOGICAL_IDS } from '../src/index';
import { talentResolved, templateOf } from './support';

// Renaming any of these replaces a database, cache or bucket, i.e. loses data. Change them only with a migration.
let prod: Template;
beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
});

describe('stateful logical IDs', () => {
  it('are pinned', () => {
    expect(DATABASE_LOGICAL_IDS).toEqual({
      cluster: 'DatabaseCluster',
      instance: 'DatabaseInstance',
      replica: 'DatabaseReadReplica',
      secret: 'DatabaseSecret',
    });
    expect(CACHE_LOGICAL_IDS).toEqual({
      replicationGroup: 'CacheReplicationGroup',
      subnetGroup: 'CacheSubnetGroup',
      authToken: 'CacheAuthToken',
      connection: 'CacheConnection',
    });
    expect(STANDBY_LOGICAL_IDS).toEqual({
      replica: 'StandbyDatabaseReplica',
      cluster: 'StandbyDatabaseCluster',
      globalCluster: 'DatabaseGlobalCluster',
      peering: 'StandbyPeering',
    });
    expect(bucketLogicalId('resumes')).toBe('BucketResumes');
    expect(bucketLogicalId('user-uploads')).toBe('BucketUserUploads');
  });

  it('appear in the talent prod template with their types', () => {
    const resources = prod.toJSON().Resources as Record<string, { Type: string }>;
    expect(resources.DatabaseCluster?.Type).toBe('AWS::RDS::DBCluster');
    expect(resources.DatabaseSecret?.Type).toBe('AWS::SecretsManager::Secret');
    expect(resources.CacheReplicationGroup?.Type).toBe('AWS::ElastiCache::ReplicationGroup');
    expect(resources.CacheSubnetGroup?.Type).toBe('AWS::ElastiCache::SubnetGroup');
    expect(resources.CacheAuthToken?.Type).toBe('AWS::SecretsManager::Secret');
    expect(resources.CacheConnection?.Type).toBe('AWS::SecretsManager::Secret');
    expect(resources.BucketResumes?.Type).toBe('AWS::S3::Bucket');
  });

  it('pin the RDS instance engine too', () => {
    const db = {
      ...talentResolved('prod').database!,
      engine: 'postgres' as const,
      instanceClass: 'db.t3.medium',
      storage: { allocated: 20, max: 100 },
      readReplica: true,
    };
    const resources = templateOf({ ...talentResolved('prod'), database: db }).toJSON().Resources as Record<
      string,
      { Type: string }
    >;
    expect(resources.DatabaseInstance?.Type).toBe('AWS::RDS::DBInstance');
    expect(resources.DatabaseReadReplica?.Type).toBe('AWS::RDS::DBInstance');
    expect(resources.DatabaseSecret?.Type).toBe('AWS::SecretsManager::Secret');
  });
});
