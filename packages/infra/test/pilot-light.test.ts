import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resolve, type ResolvedApp } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import { allStacks, BerthStack, buildApp, PilotLight, STANDBY_LOGICAL_IDS, StandbyStack } from '../src/index';
import { talentResolved, withChanges } from './support';

function templates(r: ResolvedApp): { primary: Template; standby: Template } {
  const stacks = allStacks(buildApp(r));
  const standby = stacks.find((s) => s instanceof StandbyStack)!;
  const primary = stacks.find((s) => s.stackName === `${r.app}-${r.stage}`)!;
  return { primary: Template.fromStack(primary), standby: Template.fromStack(standby) };
}

// GIVEN hello-you prod (RDS PostgreSQL, standby us-west-2) WHEN synthesized THEN a standby stack holds the replica.
let rds: { primary: Template; standby: Template };
let aurora: { primary: Template; standby: Template };
beforeAll(() => {
  const r = resolve(helloYou, 'prod');
  rds = templates(r);
  const db = talentResolved('prod').database!;
  aurora = templates(withChanges(r, { database: { ...db, readReplica: false } }));
});

describe('PilotLight (RDS)', () => {
  it('replicates the database secret to the standby region', () => {
    rds.primary.hasResourceProperties('AWS::SecretsManager::Secret', {
      ReplicaRegions: [{ Region: 'us-west-2' }],
    });
  });
  it('creates a cross-region read replica of the primary instance, encrypted with a key of its region', () => {
    rds.standby.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        SourceRegion: 'us-east-1',
        SourceDBInstanceIdentifier: {
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':rds:us-east-1:333333333333:db:')])],
        },
        DBInstanceClass: 'db.t3.small',
        StorageEncrypted: Match.absent(),
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StandbyDatabaseKey'), 'Arn'] },
        PubliclyAccessible: false,
      }),
      DeletionPolicy: 'Retain',
    });
    expect(rds.standby.toJSON().Resources[STANDBY_LOGICAL_IDS.replica].Type).toBe('AWS::RDS::DBInstance');
  });
  it('keeps the services at 0 tasks, without autoscaling, reading the regional secret replica', () => {
    rds.standby.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    rds.standby.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    rds.standby.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'hello-you-prod-standby-api',
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'AWS_REGION', Value: 'us-west-2' }]),
          Secrets: Match.arrayWith([Match.objectLike({ Name: 'DATABASE_SECRET' })]),
        }),
      ],
    });
    expect(JSON.stringify(rds.standby.toJSON())).toContain('"us-west-2"');
  });
  it('answers DNS as SECONDARY while the primary answers as PRIMARY with a health check', () => {
    rds.primary.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ ResourcePath: '/health' }),
    });
    rds.primary.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'PRIMARY',
    });
    rds.standby.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'SECONDARY',
    });
  });
  it('reads the primary through CDK cross-region references, not lookups', () => {
    rds.standby.resourceCountIs('Custom::CrossRegionExportReader', 1);
  });
});

describe('PilotLight (Aurora)', () => {
  it('makes the primary cluster a global database and adds a secondary cluster in the standby region', () => {
    aurora.primary.hasResource('AWS::RDS::GlobalCluster', {
      Properties: Match.objectLike({
        GlobalClusterIdentifier: 'hello-you-prod',
        SourceDBClusterIdentifier: Match.anyValue(),
      }),
      // Kept when the stack goes; deleted when the create that made it rolls back (its identifier is fixed).
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    aurora.standby.hasResourceProperties('AWS::RDS::DBCluster', {
      GlobalClusterIdentifier: 'hello-you-prod',
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
    aurora.standby.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });
  it('refuses a standby for services that use buckets or mail', () => {
    const talent = talentResolved('prod');
    const standby = { region: 'us-west-2', tasks: 0 };
    const edge = { ...talent.edge, hostedZoneId: 'Z0TALENT' };
    expect(() => buildApp(withChanges(talent, { standby, edge }))).toThrow(
      /service 'api' uses buckets \(resumes\), which the pilot-light standby does not replicate yet/,
    );
  });
});

describe('PilotLight validation', () => {
  const r = resolve(helloYou, 'prod');
  const primary = () =>
    allStacks(buildApp(withChanges(r, { standby: null }))).find(
      (s): s is BerthStack => s instanceof BerthStack,
    )!;
  it('refuses an environment without a standby region', () => {
    const stack = primary();
    expect(
      () =>
        new PilotLight(stack, 'Again', {
          resolved: withChanges(r, { standby: null }),
          database: stack.database!,
        }),
    ).toThrow(/Again: the environment has no standby region/);
  });
  it('refuses an app without a database', () => {
    const stack = primary();
    expect(
      () =>
        new PilotLight(stack, 'Again', {
          resolved: withChanges(r, { database: null }),
          database: stack.database!,
        }),
    ).toThrow(/Again: a pilot light replicates the database; the app has none/);
  });
});
