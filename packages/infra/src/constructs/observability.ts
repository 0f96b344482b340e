import { Construct } from 'constructs';
import { ArnFormat, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { ResolvedAlarms, ResolvedDatabase } from '@berthjs/config';
import type { Cache } from './cache';
import type { Database } from './database';
import { pascal } from '@berthjs/config';
import type { Jobs } from './jobs';
import { logPatternAlarms } from './log-alarms';
import { sesReputationAlarms } from './ses-reputation';
import type { Service } from './service';

export interface ObservabilityProps {
  /** `<app>-<stage>`: names the dashboard and prefixes alarm names. */
  readonly name: string;
  readonly cluster: ecs.ICluster;
  readonly services: readonly Service[];
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly database?: { readonly construct: Database; readonly config: ResolvedDatabase };
  readonly cache?: { readonly construct: Cache; readonly nodes: number };
  readonly jobs?: Jobs;
  /** Alarm targets and thresholds; null/undefined: a dashboard only, no alarms. @default - no alarms */
  readonly alarms?: ResolvedAlarms | null;
  /** Container Insights publishes RunningTaskCount; without it there is no running-task alarm. @default true */
  readonly containerInsights?: boolean;
  /**
   * A REGIONAL web ACL in this stack's region: its allowed/blocked/counted requests on the dashboard.
   * @default - no WAF widget
   */
  readonly waf?: { readonly webAclName: string; readonly region: string };
  /** The environment sends mail through SES: alarms on the account's bounce and complaint rates. @default false */
  readonly sendsMail?: boolean;
}

/** Thresholds that are not percentages, in one table. */
export const ALARM_DEFAULTS = Object.freeze({
  /** ALB + target 5xx responses per 5 minutes. */
  http5xx: 10,
  /** Connections the ALB could not open to a target, per 5 minutes. */
  targetConnectionErrors: 5,
  /** p95 target response time in seconds. */
  responseTimeSeconds: 2,
  /** Share of max_connections that alarms. */
  connectionsShare: 0.8,
  /** Free memory below this share of the instance's memory. */
  freeMemoryShare: 0.1,
  /** Replica lag in seconds. */
  replicaLagSeconds: 60,
});

/** GiB of memory of an RDS class (burstable and general purpose sizes; unknown sizes → 4). */
export function rdsClassMemoryGib(instanceClass: string): number {
  const size = instanceClass.split('.')[2] ?? '';
  const table: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16 };
  if (table[size] !== undefined) return table[size]!;
  const n = /^(\d+)xlarge$/.exec(size);
  return n ? 16 * Number(n[1]) : 4;
}

/** PostgreSQL's RDS default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function maxConnectionsFor(memoryGib: number): number {
  return Math.min(Math.floor((memoryGib * 1024 ** 3) / 9531392), 5000);
}

/** Memory the database instance has: the class, or for Aurora Serverless v2 2 GiB per ACU at its maximum. */
export function databaseMemoryGib(db: ResolvedDatabase): number {
  return db.engine === 'postgres' ? rdsClassMemoryGib(db.instanceClass) : Math.max(db.maxAcu, 0.5) * 2;
}

/**
 * A CloudWatch dashboard per environment (services, load balancer, database, cache, jobs), and where alarms are on
 * (prod by default) alarms → one SNS topic → email subscriptions and an optional PagerDuty HTTPS subscription whose
 * URL is read from Secrets Manager at deploy time (`{{resolve:secretsmanager:…}}`, never in the template):
 * service CPU and memory (alarms.cpu / alarms.memory %) and running tasks, ALB 5xx, target connection errors and p95
 * response time, SES bounce and complaint rates where the environment sends mail, database
 * CPU, connections, freeable memory and replica lag, cache CPU and memory per node, jobs that could not start (the
 * scheduler's dead-letter queue) and jobs that exited non-zero (ECS task state events).
 *
 * Cost: dashboard $3/month (3 free per account); $0.10 per standard alarm-month; SNS email free, HTTPS pennies.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly topic?: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];
  private readonly created: cloudwatch.Alarm[] = [];
  private readonly props: ObservabilityProps;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.props = props;
    const { alarms } = props;
    if (alarms) {
      for (const [key, value] of [
        ['cpu', alarms.cpu],
        ['memory', alarms.memory],
      ] as const) {
        if (value < 1 || value > 100)
          throw new Error(`${this.node.path}: alarms.${key} ${value} is not a percentage between 1 and 100`);
      }
      if (!alarms.emails.length && !alarms.pagerduty)
        throw new Error(`${this.node.path}: alarms have no email and no pagerduty: nobody would be told`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.name,
      defaultInterval: Duration.hours(3),
    });
    this.addServiceWidgets();
    if (alarms) {
      this.topic = this.createTopic(alarms);
      this.createAlarms(alarms);
      this.watchJobExits();
    }
    this.alarms = this.created;
  }

  private createTopic(alarms: ResolvedAlarms): sns.Topic {
    const topic = new sns.Topic(this, 'Alarms', {
      displayName: `${this.props.name} alarms`,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch needs its own allow: alarms of this account and
    // region only (aws:SourceArn), as in https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    for (const email of alarms.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    if (alarms.pagerduty) {
      new sns.Subscription(this, 'PagerDuty', {
        topic,
        protocol: sns.SubscriptionProtocol.HTTPS,
        // A dynamic reference: CloudFormation reads the integration URL at deploy time; it is never in the template.
        endpoint: SecretValue.secretsManager(alarms.pagerduty).unsafeUnwrap(),
      });
    }
    return topic;
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      alarmName: `${this.props.name}-${props.alarmName}`,
    });
    return this.track(alarm);
  }

  private track(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new actions.SnsAction(this.topic!));
    alarm.addOkAction(new actions.SnsAction(this.topic!));
    this.created.push(alarm);
    return alarm;
  }

  private createAlarms(a: ResolvedAlarms): void {
    const { props } = this;
    const five = Duration.minutes(5);
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

    for (const service of props.services) {
      const name = service.props.service.name;
      const s = service.ecsService;
      this.alarm(`${pascal(name)}Cpu`, {
        alarmName: `${name}-cpu`,
        alarmDescription: `Service ${name}: average CPU above ${a.cpu}% for 15 minutes`,
        metric: s.metricCpuUtilization({ period: five }),
        threshold: a.cpu,
        comparisonOperator: above,
        evaluationPeriods: 3,
      });
      this.alarm(`${pascal(name)}Memory`, {
        alarmName: `${name}-memory`,
        alarmDescription: `Service ${name}: average memory above ${a.memory}% for 15 minutes`,
        metric: s.metricMemoryUtilization({ period: five }),
        threshold: a.memory,
        comparisonOperator: above,
        evaluationPeriods: 3,
      });
      if ((props.containerInsights ?? true) && service.props.service.desiredCount > 0) {
        this.alarm(`${pascal(name)}RunningTasks`, {
          alarmName: `${name}-running-tasks`,
          alarmDescription: `Service ${name}: no task running for 2 minutes`,
          metric: new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: { ClusterName: props.cluster.clusterName, ServiceName: s.serviceName },
            statistic: 'Minimum',
            period: Duration.minutes(1),
          }),
          threshold: 1,
          comparisonOperator: below,
          evaluationPeriods: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        });
      }
    }

    const lb = props.loadBalancer.metrics;
    this.alarm('Http5xx', {
      alarmName: 'alb-5xx',
      alarmDescription: `Load balancer: more than ${ALARM_DEFAULTS.http5xx} 5xx responses (ALB + targets) in 5 minutes`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(elb, 0) + FILL(target, 0)',
        usingMetrics: {
          elb: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: five, statistic: 'Sum' }),
          target: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            period: five,
            statistic: 'Sum',
          }),
        },
        period: five,
        label: '5xx',
      }),
      threshold: ALARM_DEFAULTS.http5xx,
      comparisonOperator: above,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('TargetConnectionErrors', {
      alarmName: 'alb-target-connection-errors',
      alarmDescription: `Load balancer: could not connect to targets more than ${ALARM_DEFAULTS.targetConnectionErrors} times in 5 minutes`,
      metric: lb.targetConnectionErrorCount({ period: five, statistic: 'Sum' }),
      threshold: ALARM_DEFAULTS.targetConnectionErrors,
      comparisonOperator: above,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('ResponseTime', {
      alarmName: 'alb-response-time',
      alarmDescription: `Load balancer: p95 target response time above ${ALARM_DEFAULTS.responseTimeSeconds} s for 15 minutes`,
      metric: lb.targetResponseTime({ period: five, statistic: 'p95' }),
      threshold: ALARM_DEFAULTS.responseTimeSeconds,
      comparisonOperator: above,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.database) this.databaseAlarms(a, props.database);
    if (props.cache) this.cacheAlarms(a, props.cache);
    if (props.jobs) this.track(props.jobs.failedInvocationsAlarm);
    if (props.sendsMail) sesReputationAlarms((id, p) => this.alarm(id, p));
    logPatternAlarms(this, props.name, props.services, a.logPatterns, (id, p) => this.alarm(id, p));
    // The alarms that roll a release back also tell someone when they fire.
    for (const service of props.services)
      for (const alarm of service.deployment?.alarms ?? []) this.track(alarm);
  }

  private databaseAlarms(a: ResolvedAlarms, db: NonNullable<ObservabilityProps['database']>): void {
    const five = Duration.minutes(5);
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const { construct, config } = db;
    const dimensions: Record<string, string> = construct.cluster
      ? { DBClusterIdentifier: construct.cluster.clusterIdentifier }
      : { DBInstanceIdentifier: construct.instance!.instanceIdentifier };
    const metric = (metricName: string, statistic = 'Average') =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        dimensionsMap: dimensions,
        statistic,
        period: five,
      });
    const memoryGib = databaseMemoryGib(config);
    const maxConnections = maxConnectionsFor(memoryGib);

    this.alarm('DatabaseCpu', {
      alarmName: 'database-cpu',
      alarmDescription: `Database: CPU above ${a.cpu}% for 15 minutes`,
      metric: metric('CPUUtilization'),
      threshold: a.cpu,
      comparisonOperator: above,
      evaluationPeriods: 3,
    });
    this.alarm('DatabaseConnections', {
      alarmName: 'database-connections',
      alarmDescription: `Database: connections above ${ALARM_DEFAULTS.connectionsShare * 100}% of max_connections (${maxConnections})`,
      metric: metric('DatabaseConnections', 'Maximum'),
      threshold: Math.floor(maxConnections * ALARM_DEFAULTS.connectionsShare),
      comparisonOperator: above,
      evaluationPeriods: 2,
    });
    this.alarm('DatabaseFreeableMemory', {
      alarmName: 'database-freeable-memory',
      alarmDescription: `Database: freeable memory below ${ALARM_DEFAULTS.freeMemoryShare * 100}% of ${memoryGib} GiB`,
      metric: metric('FreeableMemory', 'Minimum'),
      threshold: Math.floor(memoryGib * 1024 ** 3 * ALARM_DEFAULTS.freeMemoryShare),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    if (config.readReplica || (config.engine === 'aurora-serverless-v2' && config.multiAz)) {
      const lag = construct.cluster
        ? new cloudwatch.Metric({
            namespace: 'AWS/RDS',
            metricName: 'AuroraReplicaLagMaximum',
            dimensionsMap: dimensions,
            statistic: 'Maximum',
            period: five,
          })
        : new cloudwatch.Metric({
            namespace: 'AWS/RDS',
            metricName: 'ReplicaLag',
            dimensionsMap: { DBInstanceIdentifier: construct.replica!.instanceIdentifier },
            statistic: 'Maximum',
            period: five,
          });
      this.alarm('DatabaseReplicaLag', {
        alarmName: 'database-replica-lag',
        alarmDescription: `Database: replica more than ${ALARM_DEFAULTS.replicaLagSeconds} s behind for 10 minutes`,
        // Aurora reports milliseconds, RDS seconds.
        metric: lag,
        threshold: construct.cluster
          ? ALARM_DEFAULTS.replicaLagSeconds * 1000
          : ALARM_DEFAULTS.replicaLagSeconds,
        comparisonOperator: above,
        evaluationPeriods: 2,
      });
    }
  }

  private cacheAlarms(a: ResolvedAlarms, cache: NonNullable<ObservabilityProps['cache']>): void {
    const five = Duration.minutes(5);
    // A replication group's members are <group id>-001, -002…: one alarm pair per node.
    for (let i = 1; i <= cache.nodes; i++) {
      const node = `${cache.construct.replicationGroup.ref}-${String(i).padStart(3, '0')}`;
      const metric = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/ElastiCache',
          metricName,
          dimensionsMap: { CacheClusterId: node },
          statistic: 'Average',
          period: five,
        });
      this.alarm(`CacheCpu${i}`, {
        alarmName: `cache-${i}-cpu`,
        alarmDescription: `Cache node ${i}: engine CPU above ${a.cpu}% for 15 minutes`,
        metric: metric('EngineCPUUtilization'),
        threshold: a.cpu,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      });
      this.alarm(`CacheMemory${i}`, {
        alarmName: `cache-${i}-memory`,
        alarmDescription: `Cache node ${i}: memory above ${a.memory}% for 15 minutes`,
        metric: metric('DatabaseMemoryUsagePercentage'),
        threshold: a.memory,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      });
    }
  }

  /** A job task that stopped with a non-zero exit code is published to the alarm topic. */
  private watchJobExits(): void {
    const { jobs, cluster } = this.props;
    if (!jobs || !Object.keys(jobs.jobs).length) return;
    const rule = new events.Rule(this, 'JobFailed', {
      description: `${this.props.name}: a job task exited non-zero`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [cluster.clusterArn],
          lastStatus: ['STOPPED'],
          group: Object.keys(jobs.jobs).map((name) => `job:${name}`),
          containers: { exitCode: [{ 'anything-but': 0 }] },
        },
      },
    });
    const topic = this.topic!;
    const input = events.RuleTargetInput.fromText(
      `${this.props.name}: job ${events.EventField.fromPath('$.detail.group')} stopped: ${events.EventField.fromPath('$.detail.stoppedReason')}`,
    );
    // Not events-targets' SnsTopic: it grants events.amazonaws.com Publish from any rule of any account. This rule
    // only (aws:SourceArn), as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html shows.
    rule.addTarget({ bind: () => ({ arn: topic.topicArn, input }) });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'JobFailedRule',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
  }

  private addServiceWidgets(): void {
    const { props } = this;
    const five = Duration.minutes(5);
    const widgets: cloudwatch.IWidget[] = [];
    for (const service of props.services) {
      const name = service.props.service.name;
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: CPU and memory %`,
          left: [
            service.ecsService.metricCpuUtilization({ period: five }),
            service.ecsService.metricMemoryUtilization({ period: five }),
          ],
          width: 8,
        }),
      );
    }
    const lb = props.loadBalancer.metrics;
    widgets.push(
      new cloudwatch.GraphWidget({
        title: 'Load balancer: requests and 5xx',
        left: [lb.requestCount({ period: five })],
        right: [
          lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: five }),
          lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: five }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Load balancer: response time p50 / p95',
        left: [
          lb.targetResponseTime({ period: five, statistic: 'p50' }),
          lb.targetResponseTime({ period: five, statistic: 'p95' }),
        ],
        width: 8,
      }),
    );
    if (props.database) {
      const db = props.database.construct;
      const dimensionsMap: Record<string, string> = db.cluster
        ? { DBClusterIdentifier: db.cluster.clusterIdentifier }
        : { DBInstanceIdentifier: db.instance!.instanceIdentifier };
      const m = (metricName: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap, period: five });
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Database: CPU % and connections',
          left: [m('CPUUtilization')],
          right: [m('DatabaseConnections')],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: db.cluster ? 'Database: capacity (ACU)' : 'Database: freeable memory',
          left: [db.cluster ? m('ServerlessDatabaseCapacity') : m('FreeableMemory')],
          width: 8,
        }),
      );
    }
    if (props.waf) {
      const { webAclName, region } = props.waf;
      const m = (metricName: string) =>
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName,
          dimensionsMap: { WebACL: webAclName, Region: region, Rule: 'ALL' },
          statistic: 'Sum',
          period: five,
        });
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'WAF: allowed, blocked and counted requests',
          left: [m('AllowedRequests')],
          right: [m('BlockedRequests'), m('CountedRequests')],
          width: 8,
        }),
      );
    }
    if (props.jobs) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Jobs: failed invocations (dead-letter queue)',
          left: [props.jobs.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: five })],
          width: 8,
        }),
      );
    }
    this.dashboard.addWidgets(...widgets);
  }
}
