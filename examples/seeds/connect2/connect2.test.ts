import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { runChecks } from '@berthjs/infra';
import config from './berth.config';
import {
  containerOf,
  envOf,
  resourcesOf,
  secretNamesOf,
  synthesizeSeed,
  type SeedEnvironment,
} from '../support';

// Seed 001, Connect 2.0 API: its dev/staging/prod differences table is Berth's profile table, so the config says
// almost nothing about sizes; RDS PostgreSQL, ElastiCache Redis, an SSM bastion, a deploy role per branch.
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});
const each = () => [envs.dev!, envs.staging!, envs.prod!] as const;

describe('connect2: the environment differences table', () => {
  it('Fargate tasks 2 / 2–6 / 3–20, Spot outside prod, autoscaling outside dev', () => {
    const [dev, staging, prod] = each();
    dev.app.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 2,
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    dev.app.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    staging.app.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    staging.app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    prod.app.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 3,
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
    prod.app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 20,
    });
  });
  it('CPU/memory 256/512, 256/512, 512/1024', () => {
    const [dev, staging, prod] = each();
    dev.app.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'connect2-api-dev-api',
      Cpu: '256',
      Memory: '512',
    });
    staging.app.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '256', Memory: '512' });
    prod.app.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
  });
  it('prod autoscaling targets: CPU 60, memory 70', () => {
    const [, , prod] = each();
    for (const [metric, target] of [
      ['ECSServiceAverageCPUUtilization', 60],
      ['ECSServiceAverageMemoryUtilization', 70],
    ] as const) {
      prod.app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          TargetValue: target,
          PredefinedMetricSpecification: { PredefinedMetricType: metric },
        }),
      });
    }
  });
  it('HTTPS in staging and prod, plain HTTP in dev', () => {
    const [dev, staging, prod] = each();
    dev.app.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    dev.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    for (const env of [staging, prod])
      env.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
      });
  });
  // The document's t3 sizes, in the current Graviton generation (t4g: same sizes, no application change).
  it('RDS db.t4g.micro / small / medium, Multi-AZ and deletion protection in prod only', () => {
    const [dev, staging, prod] = each();
    dev.app.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.t4g.micro',
      MultiAZ: false,
      DeletionProtection: false,
    });
    staging.app.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.t4g.small',
      MultiAZ: false,
    });
    prod.app.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.t4g.medium',
      MultiAZ: true,
      DeletionProtection: true,
      Engine: 'postgres',
      EngineVersion: '16.13',
      DBName: 'connect2',
      AllocatedStorage: '20',
      MaxAllocatedStorage: 100,
      StorageEncrypted: true,
    });
  });
  it('Redis nodes 1 / 2 / 3, TLS in prod only', () => {
    const [dev, staging, prod] = each();
    dev.app.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 1,
      TransitEncryptionEnabled: false,
    });
    staging.app.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 2,
      TransitEncryptionEnabled: false,
    });
    prod.app.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'redis',
      NumCacheClusters: 3,
      TransitEncryptionEnabled: true,
      AutomaticFailoverEnabled: true,
    });
  });
  it('log retention 7 / 14 / 90 days', () => {
    const [dev, staging, prod] = each();
    dev.app.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    staging.app.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    prod.app.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });
});

describe('connect2: network and service', () => {
  it('has its own VPC 10.1.0.0/16 over 2 AZs, one NAT per AZ in prod', () => {
    const [dev, , prod] = each();
    prod.app.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.1.0.0/16' });
    prod.app.resourceCountIs('AWS::EC2::NatGateway', 2);
    dev.app.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
  it('serves FastAPI on 8000, health-checked at /health by the ALB (no container check: the image needs no curl)', () => {
    const [, , prod] = each();
    prod.app.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8000,
      HealthCheckPath: '/health',
    });
    const api = containerOf(prod.app, 'connect2-api-prod-api');
    expect(api.HealthCheck).toBeUndefined();
    expect(api.Command).toEqual(['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000']);
    // The only service takes every request (api.connect.com included): in prod by one catch-all rule ECS can shift.
    prod.app.hasResourceProperties('Custom::ProductionListenerRule', {
      // Deployed by canary in prod: ECS shifts one rule's weights, so the default service is one catch-all rule
      // (last priority) forwarding to its two target groups.
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      // created 100/0; later stack updates leave the weights to ECS (Custom::ProductionListenerRule)
      TargetGroups: [
        { Ref: Match.stringLikeRegexp('^ServiceApiTargetGroup') },
        { Ref: Match.stringLikeRegexp('^ServiceApiAlternateTargetGroup') },
      ],
    });
  });
  it('receives credentials as ECS secrets, not as DATABASE_URL/REDIS_URL', () => {
    // The document injects DATABASE_URL and REDIS_URL (passwords inside URLs). Berth injects the secret JSON
    // (DATABASE_SECRET) and CACHE_URL — `rediss://:<token>@host:6379`, what `redis.Redis.from_url` needs as is — as ECS
    // secrets (CACHE_URL the `url` key of the cache connection secret), never plain env.
    const api = containerOf(envs.prod!.app, 'connect2-api-prod-api');
    expect(secretNamesOf(api)).toEqual(
      expect.arrayContaining(['DATABASE_SECRET', 'CACHE_URL', 'CACHE_AUTH_TOKEN']),
    );
    expect(envOf(api)).not.toHaveProperty('CACHE_URL');
    expect(envOf(api)).not.toHaveProperty('DATABASE_URL');
    expect(envOf(api)).not.toHaveProperty('REDIS_URL');
  });
  it('rolls back a failed deployment (the document keeps a rollback script)', () => {
    // prod deploys by canary: its alarms roll it back (ECS applies the circuit breaker to rolling updates only).
    envs.prod!.app.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'CANARY',
        Alarms: Match.objectLike({ Enable: true, Rollback: true }),
      }),
    });
    envs.dev!.app.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
  });
});

describe('connect2: bastion', () => {
  it('is reached through SSM only, and is the only other thing the database and Redis admit', () => {
    const prod = envs.prod!.app;
    prod.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Bastion: SSM only, no inbound',
      SecurityGroupIngress: Match.absent(),
    });
    const ingress = Object.values(resourcesOf(prod, 'AWS::EC2::SecurityGroupIngress')).map(
      (r) => r.Properties!,
    );
    const from = (port: number) =>
      ingress
        .filter((i) => i.FromPort === port)
        .map((i) => JSON.stringify(i.SourceSecurityGroupId))
        .sort();
    expect(from(5432).some((s) => s.includes('BastionSecurityGroup'))).toBe(true);
    expect(from(6379).some((s) => s.includes('BastionSecurityGroup'))).toBe(true);
    for (const source of [...from(5432), ...from(6379)])
      expect(source).toMatch(/ServiceApiSecurityGroup|BastionSecurityGroup|RotationSecurityGroup|Rotation/);
  });
});

describe('connect2: alarms and deploys', () => {
  it('alarms in prod on Redis CPU above 75% and memory above 80%', () => {
    const prod = envs.prod!.app;
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EngineCPUUtilization',
      Threshold: 75,
    });
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DatabaseMemoryUsagePercentage',
      Threshold: 80,
    });
    prod.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform@connect.com',
    });
  });
  it('lets each branch deploy only its environment (development, staging, main)', () => {
    for (const [env, branch] of [
      [envs.dev!, 'development'],
      [envs.staging!, 'staging'],
      [envs.prod!, 'main'],
    ] as const) {
      expect(env.resolved.branch).toBe(branch);
      env.app.hasResourceProperties('AWS::IAM::Role', {
        RoleName: `connect2-api-${env.resolved.stage}-deployer`,
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: Match.objectLike({
                StringEquals: Match.objectLike({
                  // The deploy job runs in the GitHub environment named after the stage, whose deployment branch
                  // rule admits this branch only; GitHub's sub claim is then environment-scoped.
                  'token.actions.githubusercontent.com:sub': `repo:connect/connect2-api:environment:${env.resolved.stage}`,
                }),
              }),
            }),
          ],
        },
      });
    }
    // No accounts given: one account, so only the first environment creates the OIDC provider.
    envs.dev!.app.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    envs.prod!.app.resourceCountIs('AWS::IAM::OIDCProvider', 0);
  });
  it('may run one-off tasks (migrations inside a task) of its own task definitions', () => {
    expect(JSON.stringify(envs.prod!.app.toJSON())).toContain('task-definition/connect2-api-prod-api:*');
  });
});

describe('connect2: checks', () => {
  it('synthesizes every environment offline', () => {
    expect(Object.keys(envs)).toEqual(['dev', 'staging', 'prod']);
  });
  it('has zero unacknowledged findings in prod', () => {
    // cfn-lint runs once over every seed environment in examples/seeds/test/cfn-lint.test.ts.
    const report = runChecks(envs.prod!.resolved, { skipCfnLint: true });
    expect(report.findings.filter((f) => !f.acknowledged)).toEqual([]);
  });
});
