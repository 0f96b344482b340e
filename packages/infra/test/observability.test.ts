import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Observability, type ObservabilityProps } from '../src/index';
import { databaseMemoryGib, maxConnectionsFor, rdsClassMemoryGib } from '../src/constructs/observability';
import { isolatedStack, talentResolved, templateOf, withChanges } from './support';

// GIVEN talent (alarms in prod only, to email) WHEN synthesized THEN prod alarms → SNS, dev a dashboard only.
let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = templateOf(talentResolved('dev'));
  const r = talentResolved('prod');
  prod = templateOf(withChanges(r, { alarms: { ...r.alarms!, pagerduty: 'talent/pagerduty' } }));
});

const alarmNamed = (t: Template, name: string) =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }))[0] as
    { Properties: Record<string, unknown> } | undefined;

describe('Observability', () => {
  it('has a dashboard in every environment and alarms only where alarms are on', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'talent-dev' });
    prod.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'talent-prod' });
    expect(
      Object.keys(dev.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'talent-dev alarms' } })),
    ).toEqual([]);
    expect(alarmNamed(dev, 'talent-dev-api-cpu')).toBeUndefined();
  });
  it('tells email and PagerDuty, the URL read from Secrets Manager at deploy time', () => {
    prod.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@talent.example.com',
    });
    prod.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: '{{resolve:secretsmanager:talent/pagerduty:SecretString:::}}',
    });
  });
  it('alarms on service CPU and memory at the configured thresholds, and on no running task', () => {
    expect(alarmNamed(prod, 'talent-prod-api-cpu')!.Properties).toMatchObject({
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/ECS',
      Threshold: 75,
      AlarmActions: [{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }],
    });
    expect(alarmNamed(prod, 'talent-prod-api-memory')!.Properties).toMatchObject({ Threshold: 80 });
    expect(alarmNamed(prod, 'talent-prod-api-running-tasks')!.Properties).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
    });
  });
  it('alarms on ALB 5xx and p95 response time', () => {
    expect(alarmNamed(prod, 'talent-prod-alb-5xx')!.Properties.Metrics).toEqual(
      expect.arrayContaining([expect.objectContaining({ Expression: 'FILL(elb, 0) + FILL(target, 0)' })]),
    );
    expect(alarmNamed(prod, 'talent-prod-alb-response-time')!.Properties).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p95',
      Threshold: 2,
    });
  });
  it('alarms on database CPU, connections, freeable memory and replica lag (Aurora: 16 ACU = 32 GiB)', () => {
    expect(alarmNamed(prod, 'talent-prod-database-cpu')!.Properties).toMatchObject({
      Namespace: 'AWS/RDS',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: 'DatabaseCluster' } }],
    });
    expect(alarmNamed(prod, 'talent-prod-database-connections')!.Properties.Threshold).toBe(
      Math.floor(maxConnectionsFor(32) * 0.8),
    );
    expect(alarmNamed(prod, 'talent-prod-database-freeable-memory')!.Properties.ComparisonOperator).toBe(
      'LessThanThreshold',
    );
    expect(alarmNamed(prod, 'talent-prod-database-replica-lag')!.Properties).toMatchObject({
      MetricName: 'AuroraReplicaLagMaximum',
      Threshold: 60000,
    });
  });
  it('alarms on cache engine CPU and memory per node', () => {
    for (const i of [1, 2, 3]) {
      expect(alarmNamed(prod, `talent-prod-cache-${i}-cpu`)!.Properties).toMatchObject({
        MetricName: 'EngineCPUUtilization',
        Threshold: 75,
      });
      expect(alarmNamed(prod, `talent-prod-cache-${i}-memory`)!.Properties).toMatchObject({
        MetricName: 'DatabaseMemoryUsagePercentage',
        Threshold: 80,
      });
    }
  });
  it('tells the topic about jobs that could not start and job tasks that exited non-zero', () => {
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
    });
    prod.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['ECS Task State Change'],
        detail: Match.objectLike({
          lastStatus: ['STOPPED'],
          group: ['job:send-reminders', 'job:purge-orphan-uploads'],
          containers: { exitCode: [{ 'anything-but': 0 }] },
        }),
      }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^ObservabilityAlarms') } })],
    });
  });
  it('sizes database memory from the class or the ACU ceiling', () => {
    expect(rdsClassMemoryGib('db.t3.micro')).toBe(1);
    expect(rdsClassMemoryGib('db.r6g.2xlarge')).toBe(32);
    expect(maxConnectionsFor(1)).toBe(112);
    expect(
      databaseMemoryGib({
        ...talentResolved('prod').database!,
        engine: 'aurora-serverless-v2',
        maxAcu: 1,
      } as never),
    ).toBe(2);
  });

  function bare(alarms: ObservabilityProps['alarms']) {
    const { stack, vpc } = isolatedStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    return () =>
      new Observability(stack, 'Observability', { name: 'x', cluster, services: [], loadBalancer, alarms });
  }
  it('refuses a threshold that is not a percentage', () => {
    expect(bare({ emails: ['a@b.co'], cpu: 120, memory: 80, logPatterns: [] })).toThrow(
      /Observability: alarms.cpu 120 is not a percentage between 1 and 100/,
    );
  });
  it('refuses alarms nobody receives', () => {
    expect(bare({ emails: [], cpu: 75, memory: 80, logPatterns: [] })).toThrow(
      /Observability: alarms have no email and no pagerduty/,
    );
  });
});
