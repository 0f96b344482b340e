import { join } from 'node:path';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register as registerMigrate } from '../src/commands/migrate';
import { register as registerRunJob } from '../src/commands/run-job';
import { CliError } from '@berthjs/config/load';
import { main } from '../src/main';
import { migrateCommand } from '../src/ops/commands';
import { ecs, logs, opsRuntime, resetTalentEcs, sts, taskEnds, tdArn } from './support/talent-ecs';

const CONFIG = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
const TD = tdArn('talent-prod-api', 8);
const NETWORK = {
  awsvpcConfiguration: {
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: ['sg-api'],
    assignPublicIp: 'DISABLED' as const,
  },
};

const out: string[] = [];
const progress: string[] = [];
const rt = opsRuntime(
  (l) => progress.push(l),
  (l) => out.push(l),
);

function program(): Command {
  const p = new Command('berth').exitOverride();
  registerRunJob(p, () => rt);
  registerMigrate(p, () => rt);
  return p;
}

/** The task goes PROVISIONING → RUNNING → STOPPED with this exit code. */
function taskRuns(exitCode: number | undefined, stoppedReason = 'Essential container in task exited') {
  taskEnds(exitCode, { stoppedReason, through: ['PROVISIONING', 'RUNNING'] });
}

beforeEach(() => {
  out.length = 0;
  progress.length = 0;
  resetTalentEcs(
    {
      taskDefinition: TD,
      networkConfiguration: NETWORK,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    },
    {
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
  );
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
