import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { resolve, type AppConfig } from '@berthjs/config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import { runChecks } from '../src/index';
import { cacheParameterGroupFamily } from '../src/constructs/cache';
import { templateOf } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resourcesOf = (t: ReturnType<typeof templateOf>) => (t.toJSON() as { Resources: Resources }).Resources;
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, v]) => v.Type === type);

describe('database.parameters and cache.parameters', () => {
  it("gives Connect 2.0's RDS instance its slow-query log in a postgres16 DB parameter group", () => {
    const t = templateOf(resolve(connect2, 'prod'));
    const groups = ofType(resourcesOf(t), 'AWS::RDS::DBParameterGroup');
    expect(groups).toHaveLength(1);
    const [id, group] = groups[0]!;
    expect(group.Properties).toMatchObject({
      Family: 'postgres16',
      // TLS stays required, as in the default group (Control Tower CT.RDS.PR.28).
      Parameters: { log_min_duration_statement: '1000', 'rds.force_ssl': '1' },
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      DBParameterGroupName: { Ref: id },
      EnableCloudwatchLogsExports: Match.arrayWith(['postgresql']),
    });
  });

  it("applies Hello-you's to the primary and its read replica alike", () => {
    const t = templateOf(resolve(helloYou, 'prod'));
    const [[id]] = ofType(resourcesOf(t), 'AWS::RDS::DBParameterGroup') as [[string, unknown]];
    const instances = ofType(resourcesOf(t), 'AWS::RDS::DBInstance');
    expect(instances).toHaveLength(2);
    for (const [, i] of instances) expect(i.Properties.DBParameterGroupName).toEqual({ Ref: id });
  });

  it('puts Aurora parameters in a DB cluster parameter group of the aurora-postgresql family', () => {
    const config = {
      ...tekalo,
      database: { ...tekalo.database, parameters: { log_min_duration_statement: 500 } },
    } as AppConfig;
    const t = templateOf(resolve(config, 'prod'));
    const groups = ofType(resourcesOf(t), 'AWS::RDS::DBClusterParameterGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0]![1].Properties).toMatchObject({
      Family: 'aurora-postgresql16',
      Parameters: { log_min_duration_statement: '500', 'rds.force_ssl': '1' },
    });
    t.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterParameterGroupName: { Ref: groups[0]![0] } });
  });

  it('keeps the default groups when no parameters are given', () => {
    const t = templateOf(resolve(tekalo, 'dev'));
    expect(ofType(resourcesOf(t), 'AWS::RDS::DBClusterParameterGroup')).toEqual([]);
    expect(ofType(resourcesOf(t), 'AWS::ElastiCache::ParameterGroup')).toEqual([]);
  });

  it('gives the cache a parameter group of its engine family, named on the replication group', () => {
    const config = {
      ...connect2,
      cache: { engine: 'redis', version: '7.1', parameters: { 'maxmemory-policy': 'allkeys-lru' } },
    } as AppConfig;
    const t = templateOf(resolve(config, 'dev'));
    const groups = ofType(resourcesOf(t), 'AWS::ElastiCache::ParameterGroup');
    expect(groups).toHaveLength(1);
    expect(groups[0]![1].Properties).toMatchObject({
      CacheParameterGroupFamily: 'redis7',
      Properties: { 'maxmemory-policy': 'allkeys-lru' },
    });
    t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheParameterGroupName: { Ref: groups[0]![0] },
    });
    // ElastiCache's family names (CreateCacheParameterGroup): redis6.x, redis7, valkey7, valkey8.
    expect(cacheParameterGroupFamily('redis', '6.2')).toBe('redis6.x');
    expect(cacheParameterGroupFamily('valkey', '8.1')).toBe('valkey8');
  });

  it('berth check notes a static parameter: a deploy does not apply it until the database reboots', () => {
    const config = {
      ...connect2,
      database: {
        ...connect2.database,
        parameters: { log_min_duration_statement: 1000, shared_preload_libraries: 'pg_stat_statements' },
      },
    } as AppConfig;
    const report = runChecks(resolve(config, 'dev'), { skipGuard: true, skipCfnLint: true });
    const notes = report.notes.map((n) => n.message).join('\n');
    expect(notes).toMatch(/dev: database\.parameters shared_preload_libraries: static; .*next reboot/);
    expect(notes).not.toMatch(/log_min_duration_statement: static/);
  });
});
