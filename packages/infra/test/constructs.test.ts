import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { talentResolved, templateOf } from './support';

// GIVEN the talent app WHEN synthesized for dev and prod THEN each construct reflects the profile differences.
let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = templateOf(talentResolved('dev'));
  prod = templateOf(talentResolved('prod'));
});

describe('Network', () => {
  it("spreads three subnet tiers over the profile's count of the zones the region offers (Fn::GetAZs)", () => {
    dev.resourceCountIs('AWS::EC2::Subnet', 6);
    prod.resourceCountIs('AWS::EC2::Subnet', 9);
    prod.hasResourceProperties('AWS::EC2::Subnet', {
      AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] },
    });
  });
  it('puts one NAT gateway in dev and one per AZ in prod', () => {
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
  });
  it('adds the S3 gateway endpoint and flow logs', () => {
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({}),
    });
    prod.resourceCountIs('AWS::EC2::FlowLog', 1);
  });
});

describe('Edge', () => {
  it('protects the prod ALB from deletion, not the dev one', () => {
    const attr = (v: string) => Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: v }]);
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: attr('true'),
    });
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: attr('false'),
    });
  });
  it('listens on HTTPS with a DNS-validated certificate and redirects HTTP in prod', () => {
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', StatusCode: 'HTTP_301' }),
        }),
      ],
    });
    prod.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'talent.example.com',
      ValidationMethod: 'DNS',
    });
  });
  it('serves HTTP only in dev', () => {
    dev.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    dev.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });
  it('routes the host at a priority derived from the service order', () => {
    dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.dev.talent.example.com'] } }],
    });
  });
  it('admits the internet on 80 and 443 for ingress anywhere', () => {
    prod.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80 }),
      ]),
    });
  });
  it('writes access logs in prod only', () => {
    const logs = Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]);
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { LoadBalancerAttributes: logs });
    expect(() =>
      dev.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        LoadBalancerAttributes: logs,
      }),
    ).toThrow();
  });
});

describe('Service', () => {
  it('runs on Spot in dev and on demand in prod', () => {
    dev.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    prod.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
  });
  it('deploys at 100/200 %, rolled back by its alarms in prod (canary) and by the circuit breaker in dev (rolling)', () => {
    prod.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 3,
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'CANARY',
        Alarms: Match.objectLike({ Enable: true, Rollback: true }),
        DeploymentCircuitBreaker: Match.absent(),
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      }),
    });
    dev.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
    });
  });
  it('sizes the task per profile', () => {
    dev.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
  });
  it('health-checks fast and drains within 30 s', () => {
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
      TargetType: 'ip',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });
  it('has a stop timeout, and no container health check unless the service asks for one', () => {
    // The ALB's target group check is the health check: it needs no curl, wget or node in the image.
    prod.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 30, HealthCheck: Match.absent() })],
    });
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      Port: 3000,
    });
  });
  it('keeps logs 7 days in dev and 90 in prod', () => {
    dev.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    prod.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });
  it('scales on cpu and memory in prod, not in dev', () => {
    prod.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 20,
    });
    prod.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
    dev.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 0);
  });
  it('scopes the task role to its bucket and mail identity', () => {
    prod.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] }),
          Match.objectLike({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': ['BucketResumes', 'Arn'] } }),
          Match.objectLike({ Action: 'ses:SendEmail' }),
        ]),
      },
    });
  });
});

describe('Database', () => {
  it('is Aurora Serverless v2 pausing at 0 ACU in dev', () => {
    dev.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 1, SecondsUntilAutoPause: 300 },
      StorageEncrypted: true,
      DeletionProtection: false,
    });
    dev.resourceCountIs('AWS::RDS::DBInstance', 1);
  });
  it('has a writer and a reader, 0.5–16 ACU and deletion protection in prod', () => {
    prod.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      EnableCloudwatchLogsExports: ['postgresql'],
      EnableIAMDatabaseAuthentication: false,
    });
    prod.resourceCountIs('AWS::RDS::DBInstance', 2);
  });
  it('rotates its secret every 30 days', () => {
    prod.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser' }),
    });
  });
  it('is retained in prod and deleted in dev', () => {
    prod.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    dev.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Delete' });
  });
});

describe('Cache', () => {
  it('has three nodes with failover, TLS and an AUTH token in prod', () => {
    prod.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
  });
  it('has one node without TLS in dev', () => {
    dev.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      TransitEncryptionEnabled: false,
      AuthToken: Match.absent(),
    });
  });
});

describe('Buckets', () => {
  it('blocks public access, encrypts, tiers and allows CORS from its own site only', () => {
    prod.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }] }),
        ]),
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedOrigins: ['https://talent.example.com'],
            AllowedMethods: ['POST', 'GET'],
          }),
        ],
      },
    });
  });
  it('is unversioned and emptied on delete in dev only', () => {
    dev.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: Match.absent() }),
      DeletionPolicy: 'Delete',
    });
    dev.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
  it('enforces TLS through the bucket policy', () => {
    prod.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('Registry', () => {
  it('keeps immutable, scanned images and expires untagged ones', () => {
    prod.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'talent/api',
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      LifecyclePolicy: Match.objectLike({ LifecyclePolicyText: Match.stringLikeRegexp('untagged') }),
    });
  });
  it('runs the image tag given by the ImageTag parameter', () => {
    expect(prod.toJSON().Parameters.ImageTag).toMatchObject({ Type: 'String', Default: 'latest' });
  });
});
