import { Construct } from 'constructs';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  jobFamily,
  pascal,
  prefixOf,
  scheduleName,
  substituteContract,
  type NameScope,
  type ResolvedJob,
} from '@berthjs/config';
import { addAppContainer, type Service } from './service';

export interface JobsProps {
  readonly cluster: ecs.ICluster;
  readonly jobs: readonly ResolvedJob[];
  /** The app's services by name: a job runs with its service's image, env, secrets, roles and security group. */
  readonly services: Readonly<Record<string, Service>>;
  /** Where job tasks run: the services' subnets. */
  readonly subnets: ec2.SubnetSelection;
  /** Public IPs for job tasks (public subnets, no NAT). @default false */
  readonly assignPublicIp?: boolean;
  /** The app and stage: task definition families and schedule names are built from them (names.ts). */
  readonly names: NameScope;
  /** Retries of a RunTask call that failed (throttling, capacity) before it goes to the dead-letter queue. @default 2 */
  readonly retryAttempts?: number;
}

/** How one job runs. */
export interface ScheduledJob {
  readonly job: ResolvedJob;
  /** The job's own task definition: the service's image, env, secrets and roles with the job's size and command. */
  readonly taskDefinition: ecs.TaskDefinition;
  readonly schedule: scheduler.CfnSchedule;
}

/** Fargate task sizes (vCPU → MiB allowed), for jobs that need their own task definition. */
const FARGATE_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  0.25: [512, 2048, 1024],
  0.5: [1024, 4096, 1024],
  1: [2048, 8192, 1024],
  2: [4096, 16384, 1024],
  4: [8192, 30720, 1024],
  8: [16384, 61440, 4096],
  16: [32768, 122880, 8192],
};

function isFargateSize(cpu: number, memoryMib: number): boolean {
  const range = FARGATE_MEMORY[cpu];
  if (!range) return false;
  const [min, max, step] = range;
  if (cpu === 0.25) return [512, 1024, 2048].includes(memoryMib);
  return memoryMib >= min && memoryMib <= max && memoryMib % step === 0;
}

/**
 * Cron jobs as EventBridge Scheduler schedules that call ECS RunTask on the job's own task definition (its service's
 * image, env, secrets, env files, roles and log group; the job's cpu/memory and command), in every environment. The
 * Scheduler's templated ECS target has no container overrides (EcsParameters has no such field, and the target's
 * Input is not applied as RunTask overrides), so the command must live in the task definition itself:
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EcsParameters.html. Tasks run on Fargate
 * in the services' subnets with the service's security group, so the database and cache admit them as they admit
 * the service. One scheduler role may only `ecs:RunTask` these task definitions in this cluster and pass their two
 * roles to ECS. Invocations that still fail after the retries land in a dead-letter queue, whose depth is an alarm.
 * A job that starts and then exits non-zero is caught by Observability (ECS task state change events).
 *
 * Cost: EventBridge Scheduler 14M invocations/month free, then $1 per million; Fargate per second of each run
 * (0.25 vCPU / 0.5 GB for 1 minute ≈ $0.0002; 2 vCPU / 4 GB for 10 minutes ≈ $0.015); the DLQ pennies.
 */
export class Jobs extends Construct {
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  /** Messages in the dead-letter queue: schedules whose RunTask failed. */
  readonly failedInvocationsAlarm: cloudwatch.Alarm;
  readonly jobs: Readonly<Record<string, ScheduledJob>>;
  /** Every job's task definition. */
  readonly taskDefinitions: readonly ecs.TaskDefinition[];

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    for (const job of props.jobs) this.validate(job, props);

    this.role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `${prefixOf(props.names)} jobs: RunTask the job task definitions, nothing else`,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetter', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Scheduler sends undeliverable invocations to the DLQ with the schedule's own role.
    this.deadLetterQueue.grantSendMessages(this.role);
    this.failedInvocationsAlarm = new cloudwatch.Alarm(this, 'FailedInvocations', {
      alarmDescription: `${prefixOf(props.names)}: a scheduled job could not be started (see the jobs dead-letter queue)`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const out: Record<string, ScheduledJob> = {};
    const taskDefinitions = new Set<ecs.TaskDefinition>();
    for (const job of props.jobs) {
      const service = props.services[job.service]!;
      const taskDefinition = this.taskDefinitionFor(job, service, props);
      taskDefinitions.add(taskDefinition);
      out[job.name] = {
        job,
        taskDefinition,
        schedule: this.createSchedule(job, service, taskDefinition, props),
      };
    }
    this.jobs = out;
    this.taskDefinitions = [...taskDefinitions];
    this.grantRunTask(props);
  }

  private validate(job: ResolvedJob, props: JobsProps): void {
    const service = props.services[job.service];
    if (!service) {
      throw new Error(
        `${this.node.path}: job '${job.name}' runs with service '${job.service}', which does not exist; services: ${Object.keys(props.services).join(', ')}`,
      );
    }
    if (!isFargateSize(job.cpu, job.memoryMib)) {
      throw new Error(
        `${this.node.path}: job '${job.name}' asks for ${job.cpu} vCPU / ${job.memoryMib} MiB, which Fargate does not offer`,
      );
    }
  }

  /** A task definition per job carrying its command: the templated ECS target cannot override one. */
  private taskDefinitionFor(job: ResolvedJob, service: Service, props: JobsProps): ecs.TaskDefinition {
    const s = service.props.service;
    const taskDefinition = new ecs.FargateTaskDefinition(this, `${pascal(job.name)}TaskDefinition`, {
      family: jobFamily(props.names, job.name),
      cpu: job.cpu * 1024,
      memoryLimitMiB: job.memoryMib,
      runtimePlatform: {
        cpuArchitecture: s.arch === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: service.taskRole,
      executionRole: service.executionRole,
    });
    addAppContainer(taskDefinition, service.containerOptions, {
      name: s.name,
      memoryMib: job.memoryMib,
      streamPrefix: `job-${job.name}`,
      command: substituteContract(job.command, service.commandValues),
      stopTimeout: s.stopTimeout,
    });
    return taskDefinition;
  }

  private createSchedule(
    job: ResolvedJob,
    service: Service,
    taskDefinition: ecs.TaskDefinition,
    props: JobsProps,
  ): scheduler.CfnSchedule {
    const cluster = props.cluster;
    const subnets = cluster.vpc.selectSubnets(props.subnets).subnetIds;
    return new scheduler.CfnSchedule(this, `${pascal(job.name)}Schedule`, {
      name: scheduleName(props.names, job.name),
      description: `${prefixOf(props.names)}: job ${job.name} (${job.cpu} vCPU / ${job.memoryMib} MiB)`,
      scheduleExpression: job.schedule,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: job.enabled ? 'ENABLED' : 'DISABLED',
      target: {
        arn: cluster.clusterArn,
        roleArn: this.role.roleArn,
        ecsParameters: {
          taskDefinitionArn: taskDefinition.taskDefinitionArn,
          taskCount: 1,
          // On demand even for Spot services: an interruption mid-run would leave half-done work until the next run.
          // Jobs of EC2 services run on Fargate too (same image, awsvpc). A launch type rather than a capacity
          // provider strategy, because AssignPublicIp ENABLED is accepted only with LaunchType FARGATE:
          // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_AwsVpcConfiguration.html
          launchType: 'FARGATE',
          platformVersion: 'LATEST',
          group: `job:${job.name}`,
          enableEcsManagedTags: true,
          propagateTags: 'TASK_DEFINITION',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets,
              securityGroups: [service.securityGroup.securityGroupId],
              assignPublicIp: props.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
        },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        retryPolicy: {
          maximumRetryAttempts: props.retryAttempts ?? 2,
          maximumEventAgeInSeconds: Math.min(86_400, Math.max(60, job.timeoutMinutes * 60)),
        },
      },
    });
  }

  /** ecs:RunTask on exactly the job task definitions (any revision) in this cluster; PassRole for their roles. */
  private grantRunTask(props: JobsProps): void {
    if (!this.taskDefinitions.length) return;
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: this.taskDefinitions.map((t) =>
          stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${t.family}:*` }),
        ),
        conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [stack.formatArn({ service: 'ecs', resource: 'task', resourceName: '*' })],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    );
    const roles = new Set<string>();
    for (const t of this.taskDefinitions) {
      roles.add(t.taskRole.roleArn);
      if (t.executionRole) roles.add(t.executionRole.roleArn);
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [...roles],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
  }
}
