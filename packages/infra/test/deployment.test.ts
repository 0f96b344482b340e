import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resolve, type AppConfig } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import talent from '../../../examples/talent/berth.config';
import { allStacks, buildApp } from '../src/index';
import { talentResolved, templateOf } from './support';

// GIVEN talent WHEN synthesized for prod (canary by default) and dev (rolling) THEN ECS shifts traffic on one listener
// rule between two target groups and rolls back on the service's own alarms, which also notify.
let prod: Template;
let dev: Template;
beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
  dev = templateOf(talentResolved('dev'));
});

const serviceOf = (t: Template) =>
  Object.values(t.findResources('AWS::ECS::Service'))[0]!.Properties as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function withDeploy(deploy: unknown): Template {
  const config = {
    ...talent,
    services: { api: { ...talent.services.api!, deploy } },
  } as AppConfig;
  return templateOf(resolve(config, 'prod'));
}

describe('progressive deployment (talent prod: canary)', () => {
  it('canaries 10% for 5 minutes, then bakes 10, without the circuit breaker (ECS: rolling updates only)', () => {
    expect(serviceOf(prod).DeploymentConfiguration).toMatchObject({
      Strategy: 'CANARY',
      CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 },
      BakeTimeInMinutes: 10,
    });
    expect(serviceOf(prod).DeploymentConfiguration).not.toHaveProperty('DeploymentCircuitBreaker');
  });
  it('rolls back on its own 5xx-rate and latency alarms', () => {
    const alarms = serviceOf(prod).DeploymentConfiguration.Alarms;
    expect(alarms).toMatchObject({ Enable: true, Rollback: true });
    const names = JSON.stringify(alarms.AlarmNames);
    expect(names).toMatch(/ServiceApiDeploymentErrorRate/);
    expect(names).toMatch(/ServiceApiDeploymentLatency/);
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'talent-prod-api-deploy-5xx-rate',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('^MAX\\(\\[IF\\(FILL\\(req0') }),
      ]),
      // The alarm that rolls back also pages: it has the alarm topic as its action.
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
    });
    prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'talent-prod-api-deploy-latency',
      Threshold: 2,
    });
  });
  it('watches both target groups, since the canary runs in the alternate one', () => {
    const [alarm] = Object.values(
      prod.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'talent-prod-api-deploy-5xx-rate' },
      }),
    );
    const text = JSON.stringify(alarm);
    expect(text).toMatch(/ServiceApiTargetGroup/);
    expect(text).toMatch(/ServiceApiAlternateTargetGroup/);
  });
  it('gives ECS the alternate target group, the production rule and a role to shift weights', () => {
    const [lb] = serviceOf(prod).LoadBalancers;
    expect(lb.AdvancedConfiguration).toMatchObject({
      AlternateTargetGroupArn: { Ref: expect.stringMatching(/^ServiceApiAlternateTargetGroup/) },
      // The rule CloudFormation creates once and never resets (Custom::ProductionListenerRule, aws-cdk#36649).
      ProductionListenerRule: { 'Fn::GetAtt': [expect.stringMatching(/^EdgeProductionRuleApi/), 'RuleArn'] },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ServiceApiDeploymentInfrastructureRole/), 'Arn'] },
    });
  });
  it('the role has the managed policy’s load-balancer actions, each on this service’s own resources only', () => {
    const roles = prod.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })],
        }),
      },
    });
    const [role] = Object.values(roles);
    const p = role!.Properties as {
      ManagedPolicyArns?: unknown;
      Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
    };
    // No AWS managed policy: its actions would reach every load balancer in the account.
    expect(p.ManagedPolicyArns).toBeUndefined();
    const bySid = Object.fromEntries(p.Policies[0]!.PolicyDocument.Statement.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'ALBModifyListeners',
      'ALBModifyRules',
      'ELBReadOperations',
      'TargetGroupOperations',
    ]);
    expect(bySid.ELBReadOperations).toMatchObject({
      Action: [
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
      ],
      Resource: '*',
    });
    expect(bySid.TargetGroupOperations).toMatchObject({
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: [
        { Ref: expect.stringMatching(/^ServiceApiTargetGroup/) },
        { Ref: expect.stringMatching(/^ServiceApiAlternateTargetGroup/) },
      ],
    });
    expect(bySid.ALBModifyListeners).toMatchObject({
      Action: 'elasticloadbalancing:ModifyListener',
      Resource: { Ref: expect.stringMatching(/^EdgeLoadBalancerHttps/) },
    });
    expect(bySid.ALBModifyRules).toMatchObject({
      Action: 'elasticloadbalancing:ModifyRule',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EdgeProductionRuleApi/), 'RuleArn'] },
    });
  });
  it('orders the service after its production rule by the Ref alone, keeping its other DependsOn', () => {
    const [service] = Object.values(prod.findResources('AWS::ECS::Service'));
    const dependsOn = service!.DependsOn as string[];
    expect(dependsOn.some((d) => d.startsWith('EdgeProductionRuleApi'))).toBe(false);
    expect(dependsOn.some((d) => d.startsWith('Cluster'))).toBe(true);
    expect(dependsOn.some((d) => d.startsWith('ServiceApiTaskRole'))).toBe(true);
  });
  it('keeps the listener default a 404: the catch-all rule is what ECS shifts', () => {
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
  });
});

describe('other strategies', () => {
  it('linear: steps of 25% every 5 minutes', () => {
    expect(serviceOf(withDeploy('linear')).DeploymentConfiguration).toMatchObject({
      Strategy: 'LINEAR',
      LinearConfiguration: { StepPercent: 25, StepBakeTimeInMinutes: 5 },
      BakeTimeInMinutes: 10,
    });
  });
  it('blue-green: all at once after the new revision is healthy, then a bake', () => {
    const config = serviceOf(withDeploy({ strategy: 'blue-green', bakeMinutes: 15 })).DeploymentConfiguration;
    expect(config).toMatchObject({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 15 });
    expect(config.CanaryConfiguration).toBeUndefined();
  });
  it('rolling: no second target group, no deployment alarms; the default service is the listener default', () => {
    const t = withDeploy('rolling');
    const config = serviceOf(t).DeploymentConfiguration;
    expect(config.Strategy).toBeUndefined();
    expect(config.Alarms?.Enable ?? false).toBe(false);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    });
  });
  it('dev deploys rolling by default', () => {
    expect(serviceOf(dev).DeploymentConfiguration.Strategy).toBeUndefined();
    dev.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
  });
});

describe('pilot-light standby', () => {
  it('deploys its (usually idle) services rolling: nothing to shift, no alarms without a topic', () => {
    const standby = allStacks(buildApp(resolve(helloYou, 'prod'))).find((s) =>
      s.stackName.endsWith('-standby'),
    )!;
    const t = Template.fromStack(standby);
    const [service] = Object.values(t.findResources('AWS::ECS::Service'));
    expect((service!.Properties as Record<string, any>).DeploymentConfiguration.Strategy).toBeUndefined(); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm'))).not.toContainEqual(
      expect.stringMatching(/Deployment/),
    );
  });
});
