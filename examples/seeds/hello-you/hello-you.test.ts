import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { runChecks } from '@berthjs/infra';
import config from './berth.config';
import {
  containerOf,
  resourcesOf,
  secretNamesOf,
  statementsOf,
  synthesizeSeed,
  type SeedEnvironment,
} from '../support';

// Seed 002, Hello-you API: RDS primary + read replica with lag and CPU alarms, a bastion for one /32, secrets in
// Secrets Manager, the image from GitHub's registry with a token, and the proposed pilot-light failover, built.
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});
const prod = () => envs.prod!;

describe('hello-you: database', () => {
  it('has an RDS PostgreSQL primary and a read replica in private (isolated) subnets', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.small',
      MultiAZ: true,
    });
    prod().app.hasResourceProperties('AWS::RDS::DBInstance', {
      SourceDBInstanceIdentifier: Match.anyValue(),
      DBInstanceClass: 'db.t3.small',
      PubliclyAccessible: false,
    });
    expect(prod().app.toJSON().Resources.DatabaseReadReplica.Type).toBe('AWS::RDS::DBInstance');
    // Storage like the primary's, encryption inherited (RDS rejects StorageEncrypted on a replica: cfn-lint E3020).
    const { Properties: replica } = prod().app.toJSON().Resources.DatabaseReadReplica;
    const { Properties: primary } = prod().app.toJSON().Resources.DatabaseInstance;
    expect(replica.StorageEncrypted).toBeUndefined();
    expect(primary.StorageEncrypted).toBe(true);
    expect([replica.StorageType, replica.MaxAllocatedStorage]).toEqual([
      primary.StorageType,
      primary.MaxAllocatedStorage,
    ]);
  });
  it('alarms on primary CPU and replica lag', () => {
    prod().app.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'hello-you-prod-database-cpu',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: { Ref: 'DatabaseInstance' } }],
    });
    prod().app.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'hello-you-prod-database-replica-lag',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: { Ref: 'DatabaseReadReplica' } }],
      Threshold: 60,
    });
    prod().app.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sre@hello-you.example.org',
    });
  });
  it('exports the PostgreSQL log to CloudWatch', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBInstance', {
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      DBInstanceClass: 'db.t3.small',
      MultiAZ: true,
    });
  });
});

describe('hello-you: service', () => {
  it('autoscales on CPU and memory', () => {
    for (const [metric, target] of [
      ['ECSServiceAverageCPUUtilization', 70],
      ['ECSServiceAverageMemoryUtilization', 75],
    ] as const)
      prod().app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          TargetValue: target,
          PredefinedMetricSpecification: { PredefinedMetricType: metric },
        }),
      });
  });
  it("pulls the image from GitHub's registry with the token secret, which the execution role may read", () => {
    const api = containerOf(prod().app, 'hello-you-prod-api');
    expect(api.Image).toBe('ghcr.io/hello-you/api:1.4.2');
    expect(JSON.stringify(api.RepositoryCredentials)).toContain(':secret:hello-you/github-token');
    const read = statementsOf(prod().app).filter(
      (s) =>
        s.policy.startsWith('ServiceApiExecutionRole') &&
        JSON.stringify(s.statement.Resource).includes('hello-you/github-token'),
    );
    expect(read.length).toBe(1);
    prod().app.resourceCountIs('AWS::ECR::Repository', 0);
  });
  it('receives generated secrets (Flask key, database) as ECS secrets', () => {
    // The document passes the password as an SSM parameter into the environment; Berth reads Secrets Manager through
    // ECS secrets so no credential is in the task definition.
    expect(secretNamesOf(containerOf(prod().app, 'hello-you-prod-api'))).toEqual(
      expect.arrayContaining(['FLASK_SECRET_KEY', 'DATABASE_SECRET']),
    );
    prod().app.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
  });
});

describe('hello-you: bastion', () => {
  it('admits SSH from exactly one /32, in a public subnet, and is admitted by the database', () => {
    prod().app.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '203.0.113.10/32', FromPort: 22, ToPort: 22, IpProtocol: 'tcp' }),
      ],
    });
    prod().app.hasResourceProperties('AWS::EC2::Instance', {
      KeyName: 'hello-you-breakglass',
      NetworkInterfaces: [
        Match.objectLike({
          AssociatePublicIpAddress: true,
          SubnetId: { Ref: Match.stringLikeRegexp('PublicSubnet') },
        }),
      ],
    });
    prod().app.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BastionSecurityGroup'), 'GroupId'] },
    });
  });
});

describe('hello-you: multi-region pilot light (the proposal, built)', () => {
  it('is prod only', () => {
    expect(envs.dev!.standby).toBeUndefined();
    expect(prod().standby).toBeDefined();
    expect(prod().resolved.standby).toEqual({ region: 'us-west-2', tasks: 0, cidr: '10.1.0.0/16' });
  });
  it('keeps a cross-region read replica in the standby region, ready to be promoted', () => {
    prod().standby!.hasResourceProperties('AWS::RDS::DBInstance', {
      SourceRegion: 'us-east-1',
      // The primary's ARN, read through the CDK's cross-region reader (under a key that changes with the instance).
      SourceDBInstanceIdentifier: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^ExportsReader'), Match.anyValue()],
      },
      // Encrypted by inheritance: RDS rejects StorageEncrypted beside SourceDBInstanceIdentifier (cfn-lint E3020).
      StorageEncrypted: Match.absent(),
      KmsKeyId: Match.anyValue(),
      StorageType: 'gp3',
    });
    prod().app.hasResourceProperties('AWS::SecretsManager::Secret', {
      ReplicaRegions: [{ Region: 'us-west-2' }],
    });
  });
  it('deploys the whole stack in the standby region with minimum allocation: one NAT, 0 tasks', () => {
    const standby = prod().standby!;
    standby.resourceCountIs('AWS::EC2::NatGateway', 1);
    standby.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    standby.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    expect(JSON.stringify(containerOf(standby, 'hello-you-prod-standby-api').Environment)).toContain(
      'us-west-2',
    );
  });
  it('partial failover (ECS down, RDS master alive): standby tasks write to the primary over VPC peering', () => {
    // The document: "ECS in region b (fail-over) can scale-up and take the load ... still writing to Master RDS
    // instance in Region A". Non-overlapping VPCs, peered, with the primary database open to the standby's CIDR.
    const standby = prod().standby!;
    standby.resourceCountIs('AWS::EC2::VPCPeeringConnection', 1);
    standby.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.1.0.0/16' });
    prod().app.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    standby.hasResourceProperties('AWS::EC2::Route', {
      DestinationCidrBlock: '10.0.0.0/16',
      VpcPeeringConnectionId: { Ref: 'StandbyPeering' },
    });
    // A peer VPC in another region cannot be named by security group: its CIDR is.
    prod().app.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Database: only from services',
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '10.1.0.0/16', IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 }),
      ]),
    });
    // PGHOST: the primary's writer until the runbook flips DatabaseWriter to 'promoted'.
    const pgHost = (
      containerOf(standby, 'hello-you-prod-standby-api').Environment as { Name: string; Value: unknown }[]
    ).find((e) => e.Name === 'PGHOST')!.Value as { 'Fn::If': [string, unknown, unknown] };
    expect(pgHost['Fn::If'][0]).toBe('DatabasePromoted');
    expect(pgHost['Fn::If'][1]).toEqual({ 'Fn::GetAtt': ['StandbyDatabaseReplica', 'Endpoint.Address'] });
    expect(standby.toJSON().Parameters.DatabaseWriter.Default).toBe('primary');
  });
  it('lets Route 53 fail over: PRIMARY with a health check on /health, SECONDARY to the standby ALB', () => {
    prod().app.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({ ResourcePath: '/health', Type: 'HTTPS' }),
    });
    prod().app.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'PRIMARY',
      HostedZoneId: 'Z0HELLOYOU000000000',
    });
    prod().standby!.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.hello-you.example.org.',
      Failover: 'SECONDARY',
      AliasTarget: Match.objectLike({
        DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('StandbyEdgeLoadBalancer'), 'DNSName'] },
      }),
    });
    expect(
      Object.values(resourcesOf(prod().app, 'AWS::Route53::RecordSet')).every(
        (r) => r.Properties!.Failover === 'PRIMARY',
      ),
    ).toBe(true);
  });
});

describe('hello-you: checks', () => {
  it('synthesizes every environment offline', () => {
    expect(Object.keys(envs)).toEqual(['dev', 'prod']);
  });
  it('has zero unacknowledged findings in prod (primary and standby)', () => {
    // cfn-lint runs once over every seed environment in examples/seeds/test/cfn-lint.test.ts.
    const report = runChecks(prod().resolved, { skipCfnLint: true });
    expect(report.findings.filter((f) => !f.acknowledged)).toEqual([]);
    // Two stacks through every pack: past the default minute on a loaded machine.
  }, 180_000);
});
