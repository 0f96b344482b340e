import { join } from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register as registerMigrate } from '../src/commands/migrate';
import { register as registerRunJob } from '../src/commands/run-job';
import { CliError } from '@berthjs/config/load';
import { main } from '../src/main';
import { awsClients, type OpsRuntime } from '../src/ops/aws';
import { migrateCommand } from '../src/ops/commands';

const CONFIG = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
const SERVICE = 'arn:aws:ecs:us-east-1:222222222222:service/talent-prod-Cluster/talent-prod-api';
const TD = 'arn:aws:ecs:us-east-1:222222222222:task-definition/talent-prod-api:8';
const TASK = 'arn:aws:ecs:us-east-1:222222222222:task/talent-prod-Cluster/0f1e2d';
const NETWORK = {
  awsvpcConfiguration: {
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: ['sg-api'],
    assignPublicIp: 'DISABLED' as const,
  },
};

const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);
const cfn = mockClient(CloudFormationClient);
const logs = mockClient(CloudWatchLogsClient);
const out: string[] = [];
const progress: string[] = [];
const rt: OpsRuntime = {
  clients: awsClients,
  sleep: async () => {},
  progress: (l) => progress.push(l),
  out: (l) => out.push(l),
  pollMs: 0,
  steadyTimeoutMs: 60_000,
};

function program(): Command {
  const p = new Command('berth').exitOverride();
  registerRunJob(p, () => rt);
  registerMigrate(p, () => rt);
  return p;
}

/** The task goes PROVISIONING → RUNNING → STOPPED with this exit code. */
function taskRuns(exitCode: number | undefined, stoppedReason = 'Essential container in task exited') {
  ecs
    .on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'PROVISIONING' }] })
    .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] })
    .resolves({
      tasks: [
        {
          taskArn: TASK,
          lastStatus: 'STOPPED',
          stoppedReason,
          containers: [{ name: 'api', ...(exitCode === undefined ? {} : { exitCode }) }],
        },
      ],
    });
}

beforeEach(() => {
  out.length = 0;
  progress.length = 0;
  for (const m of [sts, ecs, cfn, logs]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
  cfn.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        ResourceType: 'AWS::ECS::Cluster',
        PhysicalResourceId: 'talent-prod-Cluster',
        LogicalResourceId: 'C',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date(),
      },
      {
        ResourceType: 'AWS::ECS::Service',
        PhysicalResourceId: SERVICE,
        LogicalResourceId: 'S',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date(),
      },
    ],
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: SERVICE,
        taskDefinition: TD,
        networkConfiguration: NETWORK,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      },
    ],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      containerDefinitions: [
        {
          name: 'api',
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': 'talent-prod-api-logs',
              'awslogs-stream-prefix': 'api',
              'awslogs-region': 'us-east-1',
            },
          },
        },
      ],
    },
  });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
  logs
    .on(GetLogEventsCommand)
    .rejectsOnce(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    )
    .resolvesOnce({ events: [{ message: 'sending 3 reminders\n' }], nextForwardToken: 'f/1' })
    .resolvesOnce({ events: [{ message: 'done' }], nextForwardToken: 'f/2' })
    .resolves({ events: [], nextForwardToken: 'f/2' });
});
afterEach(() => vi.restoreAllMocks());

describe('berth run-job', () => {
  it("runs the job's command in the service's task definition, subnets and security group, streaming its log", async () => {
    taskRuns(0);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await program().parseAsync([
      'node',
      'berth',
      'run-job',
      'send-reminders',
      '--env',
      'prod',
      '--config',
      CONFIG,
    ]);
    const input = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      cluster: 'talent-prod-Cluster',
      taskDefinition: TD,
      networkConfiguration: NETWORK,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      overrides: {
        containerOverrides: [{ name: 'api', command: ['node', 'dist/job.js', 'send-reminders'] }],
        cpu: '256',
        memory: '512',
      },
    });
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: 'talent-prod-api-logs',
      logStreamName: 'api/api/0f1e2d',
    });
    expect(out).toEqual(['sending 3 reminders', 'done']);
    expect(progress.join('\n')).toMatch(/RUNNING[\s\S]*STOPPED/);
  });

  it("propagates the container's non-zero exit code", async () => {
    taskRuns(3);
    const err = await program()
      .parseAsync(['node', 'berth', 'run-job', 'send-reminders', '--env', 'prod', '--config', CONFIG])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(3);
    expect((err as CliError).message).toBe('send-reminders exited with code 3');
  });

  it('a task that never ran its container fails with the stopped reason', async () => {
    taskRuns(undefined, 'CannotPullContainerError: image not found');
    await expect(
      program().parseAsync([
        'node',
        'berth',
        'run-job',
        'send-reminders',
        '--env',
        'prod',
        '--config',
        CONFIG,
      ]),
    ).rejects.toThrow(/stopped without running to completion: CannotPullContainerError/);
  });

  it('an unknown job is a usage error listing the declared ones', async () => {
    const err = await program()
      .parseAsync(['node', 'berth', 'run-job', 'nope', '--env', 'prod', '--config', CONFIG])
      .catch((e: unknown) => e);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toMatch(/declared: send-reminders, purge-orphan-uploads/);
  });

  it('missing credentials: a clear message, exit 1, no stack trace', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(String(m)));
    expect(
      await main(['node', 'berth', 'run-job', 'send-reminders', '--env', 'prod', '--config', CONFIG]),
    ).toBe(1);
    expect(errors.join('\n')).toMatch(/No AWS credentials found .* AWS_ACCESS_KEY_ID/);
    expect(errors.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('berth migrate', () => {
  it("derives `node dist/job.js migrate` from the jobs' entry point and runs it like a job", async () => {
    taskRuns(0);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await program().parseAsync(['node', 'berth', 'migrate', '--env', 'prod', '--config', CONFIG]);
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input.overrides?.containerOverrides).toEqual([
      { name: 'api', command: ['node', 'dist/job.js', 'migrate'] },
    ]);
  });

  it('propagates a failed migration exit code', async () => {
    taskRuns(1);
    const err = await program()
      .parseAsync(['node', 'berth', 'migrate', '--env', 'prod', '--config', CONFIG])
      .catch((e: unknown) => e);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toBe('migrate exited with code 1');
  });

  it('the convention: a declared migrate job, else the job entry point, else the service command + migrate', () => {
    const prod = resolve(talent, 'prod');
    expect(migrateCommand(prod).command).toEqual(['node', 'dist/job.js', 'migrate']);
    const declared = {
      ...prod,
      jobs: {
        ...prod.jobs,
        migrate: { ...prod.jobs['send-reminders']!, name: 'migrate', command: ['npm', 'run', 'db:migrate'] },
      },
    };
    expect(migrateCommand(declared).command).toEqual(['npm', 'run', 'db:migrate']);
    expect(migrateCommand({ ...prod, jobs: {} }).command).toEqual(['node', 'dist/server.js', 'migrate']);
  });
});
