import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, DescribeTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { callerIdentity, type AwsClients, type OpsRuntime } from './aws';
import { requireStack, serviceNamed } from './stack';

export interface RunTaskOptions {
  readonly resolved: ResolvedApp;
  /** What the run is called in messages (`send-reminders`, `migrate`). */
  readonly name: string;
  /** The Berth service whose task definition, subnets and security groups the task uses. */
  readonly service: string;
  readonly command: readonly string[];
  /** Task size override in vCPU and MiB. @default the service's task size */
  readonly cpu?: number;
  readonly memoryMib?: number;
  readonly timeoutMinutes?: number;
  readonly region?: string;
  /**
   * Run this task definition instead of the service's current one (`berth deploy` runs the migrations with the new
   * image's revision before the services get it). The service still gives the network.
   */
  readonly taskDefinition?: string;
  /** Launch type FARGATE, not the service's capacity providers: a job's own task definition is Fargate-only. */
  readonly fargate?: boolean;
}

export interface RunTaskReport {
  readonly name: string;
  readonly taskArn: string;
  readonly exitCode: number;
  readonly stoppedReason?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
}

/**
 * ECS RunTask with the service's task definition and network (from DescribeServices), the command overridden; streams
 * the container's CloudWatch log while it runs and waits for STOPPED. The report carries the container's exit code.
 */
export async function runTask(options: RunTaskOptions, rt: OpsRuntime): Promise<RunTaskReport> {
  const { resolved } = options;
  const clients = rt.clients(options.region ?? resolved.region);
  await callerIdentity(clients);
  const stack = await requireStack(clients, resolved);
  const { service } = serviceNamed(stack, options.service);
  const taskDefinition = options.taskDefinition ?? service.taskDefinition!;
  const td = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition;
  const containers = td?.containerDefinitions ?? [];
  const container = containers.find((c) => c.name === options.service) ?? containers[0];
  if (!container?.name) throw new CliError(`${taskDefinition} has no container`, EXIT.failed);

  const strategy =
    !options.fargate && service.capacityProviderStrategy?.length
      ? service.capacityProviderStrategy
      : undefined;
  const run = await clients.ecs.send(
    new RunTaskCommand({
      cluster: stack.cluster,
      taskDefinition,
      count: 1,
      startedBy: `berth ${options.name}`.slice(0, 36),
      ...(strategy
        ? { capacityProviderStrategy: strategy }
        : { launchType: options.fargate ? 'FARGATE' : (service.launchType ?? 'FARGATE') }),
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      overrides: {
        containerOverrides: [{ name: container.name, command: [...options.command] }],
        ...(options.cpu ? { cpu: String(Math.round(options.cpu * 1024)) } : {}),
        ...(options.memoryMib ? { memory: String(options.memoryMib) } : {}),
      },
    }),
  );
  const task = run.tasks?.[0];
  if (!task?.taskArn) {
    const why = (run.failures ?? []).map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
    throw new CliError(`RunTask for ${options.name} failed: ${why || 'no task started'}`, EXIT.failed);
  }
  const taskId = task.taskArn.split('/').pop()!;
  rt.progress(`${options.name}: task ${taskId} started (${options.command.join(' ')})`);

  const logOptions =
    container.logConfiguration?.logDriver === 'awslogs' ? container.logConfiguration.options : undefined;
  const logGroup = logOptions?.['awslogs-group'];
  const prefix = logOptions?.['awslogs-stream-prefix'];
  const logStream = logGroup && prefix ? `${prefix}/${container.name}/${taskId}` : undefined;
  const logs = logGroup && logStream ? new LogTail(clients, logGroup, logStream, rt.out) : undefined;
  if (!logs)
    rt.progress(`${options.name}: the container does not log to CloudWatch (awslogs); no output to stream`);

  const deadline = Date.now() + ((options.timeoutMinutes ?? 60) + 10) * 60_000;
  let last = '';
  for (;;) {
    const described = (
      await clients.ecs.send(new DescribeTasksCommand({ cluster: stack.cluster, tasks: [task.taskArn] }))
    ).tasks?.[0];
    await logs?.poll();
    const status = described?.lastStatus ?? 'UNKNOWN';
    if (status !== last) {
      rt.progress(`${options.name}: ${status}`);
      last = status;
    }
    if (status === 'STOPPED') {
      await logs?.drain();
      const c = described?.containers?.find((x) => x.name === container.name);
      if (c?.exitCode === undefined || c.exitCode === null) {
        throw new CliError(
          `${options.name}: the task stopped without running to completion: ${described?.stoppedReason ?? 'no reason'}${c?.reason ? ` (${c.reason})` : ''}`,
          EXIT.failed,
        );
      }
      return {
        name: options.name,
        taskArn: task.taskArn,
        exitCode: c.exitCode,
        ...(described?.stoppedReason ? { stoppedReason: described.stoppedReason } : {}),
        ...(logGroup ? { logGroup } : {}),
        ...(logStream ? { logStream } : {}),
      };
    }
    if (Date.now() > deadline) {
      throw new CliError(
        `${options.name}: still ${status} after the job's timeout; task ${task.taskArn} is left running.`,
        EXIT.failed,
      );
    }
    await rt.sleep(rt.pollMs);
  }
}

/** Follows one log stream with GetLogEvents' forward token; a stream that does not exist yet is not an error. */
class LogTail {
  private token: string | undefined;
  constructor(
    private readonly clients: AwsClients,
    private readonly group: string,
    private readonly stream: string,
    private readonly print: (line: string) => void,
  ) {}

  /** Prints what is new; returns whether anything was. */
  async poll(): Promise<boolean> {
    try {
      const res = await this.clients.logs.send(
        new GetLogEventsCommand({
          logGroupName: this.group,
          logStreamName: this.stream,
          startFromHead: true,
          ...(this.token ? { nextToken: this.token } : {}),
        }),
      );
      for (const e of res.events ?? []) if (e.message !== undefined) this.print(e.message.replace(/\n$/, ''));
      const moved = res.nextForwardToken !== undefined && res.nextForwardToken !== this.token;
      this.token = res.nextForwardToken ?? this.token;
      return moved && (res.events?.length ?? 0) > 0;
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return false;
      throw err;
    }
  }

  /** After the task stopped: read until nothing new arrives (the awslogs driver flushes on exit). */
  async drain(): Promise<void> {
    for (let i = 0; i < 20 && (await this.poll()); i++);
  }
}
