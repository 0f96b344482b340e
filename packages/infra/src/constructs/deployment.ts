import { Construct } from 'constructs';
import { CfnResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ResolvedDeploy } from '@berthjs/config';
import { ProductionListenerRule } from './production-rule';

/** Thresholds of the alarms that roll a release back: the service's own, not the whole load balancer's. */
export const DEPLOYMENT_ALARM_DEFAULTS = Object.freeze({
  /** % of a target group's requests answered 5xx by its targets, per minute. */
  errorRatePercent: 5,
  /** A minute with fewer requests than this never counts as failing: 1 error in 2 requests is not a signal. */
  minRequestsPerMinute: 10,
  /** p95 target response time, seconds. */
  latencySeconds: 2,
});

/**
 * ECS service props for the strategy: what `Service` spreads into its FargateService/Ec2Service.
 *
 * The deployment circuit breaker only with `rolling`: the ECS API reference says it "can only be used for services
 * using the rolling update (ECS) deployment type"
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html). The developer
 * guide's failure-detection page also names blue/green (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html)
 * and neither names canary or linear, so Berth does not rely on ECS honouring it there: a canary, linear or
 * blue/green release is judged by its CloudWatch alarms with rollback (ProgressiveDeployment), and one whose new
 * tasks never become healthy stalls before any traffic shifts to them (ECS waits for the green tasks behind the
 * alternate target group), then the alarms or `berth deploy`'s wait report it.
 */
export function deploymentServiceProps(deploy: ResolvedDeploy): Partial<ecs.BaseServiceOptions> {
  switch (deploy.strategy) {
    case 'rolling':
      return { circuitBreaker: { enable: true, rollback: true } };
    case 'blue-green':
      return {
        deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN,
        bakeTime: Duration.minutes(deploy.bakeMinutes),
      };
    case 'canary':
      return {
        deploymentStrategy: ecs.DeploymentStrategy.CANARY,
        bakeTime: Duration.minutes(deploy.bakeMinutes),
        canaryConfiguration: {
          stepPercent: deploy.percent,
          stepBakeTime: Duration.minutes(deploy.stepMinutes),
        },
      };
    case 'linear':
      return {
        deploymentStrategy: ecs.DeploymentStrategy.LINEAR,
        bakeTime: Duration.minutes(deploy.bakeMinutes),
        linearConfiguration: {
          stepPercent: deploy.percent,
          stepBakeTime: Duration.minutes(deploy.stepMinutes),
        },
      };
  }
}

/** Whether ECS shifts traffic between two target groups for this strategy (everything but rolling). */
export function shiftsTraffic(deploy: ResolvedDeploy): boolean {
  return deploy.strategy !== 'rolling';
}

export interface ProgressiveDeploymentProps {
  readonly service: ecs.BaseService;
  readonly containerName: string;
  readonly containerPort: number;
  /** The service's target group (blue at first; ECS swaps the roles at every release). */
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** A target group with the same port and health check, for the new revision. */
  readonly alternateTargetGroup: elbv2.ApplicationTargetGroup;
  /** The listener rule whose forward weights ECS shifts between the two target groups (see ProductionListenerRule). */
  readonly productionRule: elbv2.ApplicationListenerRule | ProductionListenerRule;
  /** Prefix of the alarm names, e.g. 'talent-prod-api'. */
  readonly name: string;
}

/**
 * ECS-native traffic shifting (canary, linear, blue/green) on the ALB, with a rollback on the service's own alarms:
 * its 5xx rate and p95 latency over both of its target groups, each taken at the worse of the two, so a canary
 * that fails on 10% of the traffic trips the alarm as surely as a full release. ECS rolls back when either alarm
 * is in ALARM during the deployment or its bake time (DeploymentConfiguration.Alarms, with Rollback).
 *
 * ECS needs a role to move the listener rule's weights (`infrastructureRole`): the actions of the AWS managed
 * AmazonECSInfrastructureRolePolicyForLoadBalancers, on this service's own rule, listener and target groups instead
 * of every one in the account. Source: "Application Load Balancer resources for blue/green, linear, and canary
 * deployments", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html
 *
 * Cost: two standard alarms per service ($0.10 each per month; metric-math alarms bill per metric inside: ~$0.40
 * each); the alternate target group is free. A release takes the step and bake times longer.
 */
export class ProgressiveDeployment extends Construct {
  readonly errorRateAlarm: cloudwatch.Alarm;
  readonly latencyAlarm: cloudwatch.Alarm;
  /** The role ECS assumes to shift the listener rule's weights and (de)register targets. */
  readonly infrastructureRole: iam.Role;

  constructor(scope: Construct, id: string, props: ProgressiveDeploymentProps) {
    super(scope, id);
    this.infrastructureRole = this.createInfrastructureRole(props);
    props.targetGroup.addTarget(
      props.service.loadBalancerTarget({
        containerName: props.containerName,
        containerPort: props.containerPort,
        alternateTarget:
          props.productionRule instanceof ProductionListenerRule
            ? {
                bind: () => ({
                  alternateTargetGroupArn: props.alternateTargetGroup.targetGroupArn,
                  roleArn: this.infrastructureRole.roleArn,
                  productionListenerRule: props.productionRule.listenerRuleArn,
                }),
              }
            : new ecs.AlternateTarget('Alternate', {
                alternateTargetGroup: props.alternateTargetGroup,
                productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(
                  props.productionRule,
                ),
                role: this.infrastructureRole,
              }),
      }),
    );
    this.dropRedundantRuleDependency(props);

    const groups = [props.targetGroup, props.alternateTargetGroup];
    const minute = Duration.minutes(1);
    const d = DEPLOYMENT_ALARM_DEFAULTS;
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    groups.forEach((g, i) => {
      usingMetrics[`err${i}`] = g.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period: minute,
        statistic: 'Sum',
      });
      usingMetrics[`req${i}`] = g.metrics.requestCount({ period: minute, statistic: 'Sum' });
    });
    const rate = (i: number) =>
      `IF(FILL(req${i}, 0) >= ${d.minRequestsPerMinute}, 100 * FILL(err${i}, 0) / req${i}, 0)`;
    this.errorRateAlarm = new cloudwatch.Alarm(this, 'ErrorRate', {
      alarmName: `${props.name}-deploy-5xx-rate`,
      alarmDescription: `Rolls a release back: more than ${d.errorRatePercent}% of a target group's requests answered 5xx in 2 of 3 minutes`,
      metric: new cloudwatch.MathExpression({
        expression: `MAX([${rate(0)}, ${rate(1)}])`,
        usingMetrics,
        period: minute,
        label: '5xx %',
      }),
      threshold: d.errorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'Latency', {
      alarmName: `${props.name}-deploy-latency`,
      alarmDescription: `Rolls a release back: p95 target response time above ${d.latencySeconds} s in 2 of 3 minutes`,
      metric: new cloudwatch.MathExpression({
        expression: 'MAX([FILL(lat0, 0), FILL(lat1, 0)])',
        usingMetrics: Object.fromEntries(
          groups.map((g, i) => [
            `lat${i}`,
            g.metrics.targetResponseTime({ period: minute, statistic: 'p95' }),
          ]),
        ),
        period: minute,
        label: 'p95 s',
      }),
      threshold: d.latencySeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    props.service.enableDeploymentAlarms([this.errorRateAlarm.alarmName, this.latencyAlarm.alarmName], {
      behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
    });
  }

  /**
   * The statements of AmazonECSInfrastructureRolePolicyForLoadBalancers (v6, edited 2026-02-12:
   * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html)
   * that an ALB listener rule needs, each on this service's own resources: ModifyRule on its production rule,
   * ModifyListener on that rule's listener, RegisterTargets/DeregisterTargets on its two target groups. The four
   * Describe actions keep `*`: Elastic Load Balancing has no resource-level permissions for them
   * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).
   * The managed policy's NLB listener statement has no use here.
   */
  private createInfrastructureRole(props: ProgressiveDeploymentProps): iam.Role {
    const listenerArn =
      props.productionRule instanceof ProductionListenerRule
        ? props.productionRule.listenerArn
        : (props.productionRule.node.defaultChild as elbv2.CfnListenerRule).listenerArn;
    if (!listenerArn) throw new Error(`${this.node.path}: the production listener rule names no listener`);
    return new iam.Role(this, 'InfrastructureRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `ECS shifts ${props.name}'s listener rule between its two target groups during a release`,
      inlinePolicies: {
        LoadBalancers: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ELBReadOperations',
              actions: [
                'elasticloadbalancing:DescribeListeners',
                'elasticloadbalancing:DescribeRules',
                'elasticloadbalancing:DescribeTargetGroups',
                'elasticloadbalancing:DescribeTargetHealth',
              ],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'TargetGroupOperations',
              actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
              resources: [props.targetGroup.targetGroupArn, props.alternateTargetGroup.targetGroupArn],
            }),
            new iam.PolicyStatement({
              sid: 'ALBModifyListeners',
              actions: ['elasticloadbalancing:ModifyListener'],
              resources: [listenerArn],
            }),
            new iam.PolicyStatement({
              sid: 'ALBModifyRules',
              actions: ['elasticloadbalancing:ModifyRule'],
              resources: [props.productionRule.listenerRuleArn],
            }),
          ],
        }),
      },
    });
  }

  /**
   * The CDK orders a service after every listener rule that forwards to its target group (DependsOn). The service
   * also names its production rule in AdvancedConfiguration (a Ref), which already orders it: the DependsOn on the
   * rule is dropped, the others kept (cfn-lint W3005, "dependency already enforced by a Ref").
   */
  private dropRedundantRuleDependency(props: ProgressiveDeploymentProps): void {
    const service = props.service.node.defaultChild as CfnResource;
    const rule = (
      props.productionRule instanceof ProductionListenerRule
        ? props.productionRule.resource.node.defaultChild
        : props.productionRule.node.defaultChild
    ) as CfnResource;
    const stack = Stack.of(service);
    service.addOverride(
      'DependsOn',
      Lazy.list(
        {
          produce: () =>
            service
              .obtainDependencies()
              .filter(
                (d): d is CfnResource => CfnResource.isCfnResource(d) && d !== rule && Stack.of(d) === stack,
              )
              .sort((a, b) => a.node.path.localeCompare(b.node.path))
              .map((d) => d.logicalId),
        },
        { omitEmpty: true },
      ),
    );
  }

  get alarms(): readonly cloudwatch.Alarm[] {
    return [this.errorRateAlarm, this.latencyAlarm];
  }
}
