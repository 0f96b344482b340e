import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/logs';
import { logs } from '../src/ops/logs';
import {
  API_LOGS,
  API_SERVICE,
  CLUSTER,
  CONFIG,
  NOW,
  day2Runtime,
  deployed,
  mocks,
  programWith,
} from './support/day2';

const line = (msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, time: NOW - 60_000, msg, ...extra });

async function run(...args: string[]) {
  const rt = day2Runtime();
  await programWith(register, rt).parseAsync([
    'node',
    'berth',
    'logs',
    ...args,
    '--env',
    'prod',
    '--config',
    CONFIG,
  ]);
  return rt.captured;
}

beforeEach(() => {
  deployed();
  mocks.ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: API_SERVICE, desiredCount: 2, runningCount: 2 }] });
  mocks.logs
    .on(FilterLogEventsCommand)
    .resolvesOnce({
      events: [
        {
          eventId: '1',
          timestamp: NOW - 60_000,
          logStreamName: 'api/api/0f1e2d3c',
          message: line('listening', { port: 3000 }),
        },
      ],
      nextToken: 't2',
    })
    .resolves({
      events: [
        {
          eventId: '2',
          timestamp: NOW - 30_000,
          logStreamName: 'api/api/9a8b7c6d',
          message: 'plain text from uvicorn\n',
        },
      ],
    });
});

describe('berth logs', () => {
  it("reads the service's log group from the stack, its own streams only, and prints berth dev's lines", async () => {
    const { out, progress } = await run('api', '--since', '2h', '--filter', 'ERROR');
    const input = mocks.logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input;
    expect(input).toEqual({
      logGroupName: API_LOGS,
      logStreamNamePrefix: 'api/',
      startTime: NOW - 2 * 3_600_000,
      filterPattern: 'ERROR',
    });
    // Both pages read.
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[1]!.args[0].input.nextToken).toBe('t2');
    expect(out).toEqual([
      '0f1e2d 08:59:00.000 INFO  listening  port=3000',
      '9a8b7c 08:59:30.000 plain text from uvicorn',
    ]);
    expect(progress[0]).toContain(
      `api: ${API_LOGS} (streams api/*) since 2026-12-07T07:00:00.000Z, filter ERROR`,
    );
  });

  it("reads a job's streams (job-<name>/) in the group the stack names for it", async () => {
    await run('send-reminders');
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: API_LOGS,
      logStreamNamePrefix: 'job-send-reminders/',
    });
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
  });

  it('--json prints one object per event', async () => {
    const { out } = await run('api', '--json');
    expect(JSON.parse(out[1]!)).toEqual({
      time: '2026-12-07T08:59:30.000Z',
      stream: 'api/api/9a8b7c6d',
      message: 'plain text from uvicorn',
    });
  });

  it('says why the last task stopped when the service is crash-looping', async () => {
    mocks.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ serviceName: API_SERVICE, desiredCount: 2, runningCount: 0 }] });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-east-1:1:task/c/dead1'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:1:task/c/dead1',
          stoppedAt: new Date(NOW - 10_000),
          stoppedReason: 'ResourceInitializationError: unable to pull secrets or registry auth',
          containers: [{ name: 'api' }],
        },
      ],
    });
    const { progress } = await run('api');
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toMatchObject({
      cluster: CLUSTER,
      serviceName: API_SERVICE,
      desiredStatus: 'STOPPED',
    });
    expect(progress).toContain('api: 0 of 2 tasks running');
    expect(progress.join('\n')).toMatch(
      /api: last stopped task dead1 at 2026-12-07T08:59:50.000Z: ResourceInitializationError: unable to pull secrets/,
    );
  });

  it('--follow polls from the newest event on and prints each event once', async () => {
    mocks.logs.reset();
    const first = { eventId: 'a', timestamp: NOW - 5_000, logStreamName: 'api/api/aaaaaa', message: 'one' };
    const second = { eventId: 'b', timestamp: NOW - 1_000, logStreamName: 'api/api/aaaaaa', message: 'two' };
    mocks.logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [first] })
      .resolvesOnce({ events: [first, second] })
      .resolves({ events: [second] });
    const rt = day2Runtime();
    const { events } = await logs(
      { resolved: resolve(talent, 'prod'), name: 'api', sinceMs: 600_000, follow: true, polls: 3 },
      rt,
    );
    expect(events).toBe(2);
    expect(rt.captured.out.map((l) => l.split(' ').pop())).toEqual(['one', 'two']);
    const starts = mocks.logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.startTime);
    expect(starts).toEqual([NOW - 600_000, NOW - 5_000, NOW - 1_000]);
  });

  it("--previous reads the newest stopped task's stream only", async () => {
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-east-1:1:task/c/dead1'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({
      tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:1:task/c/dead1', containers: [{ name: 'api' }] }],
    });
    const { progress } = await run('api', '--previous');
    const input = mocks.logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input;
    expect(input.logStreamNames).toEqual(['api/api/dead1']);
    expect(input.logStreamNamePrefix).toBeUndefined();
    expect(progress[0]).toContain('(stream api/api/dead1)');
  });

  it('--previous says so when no task stopped lately, and refuses --follow and jobs', async () => {
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    await expect(run('api', '--previous')).rejects.toThrow(/api has no stopped task ECS still remembers/);
    await expect(run('api', '--previous', '--follow')).rejects.toThrow(/cannot be followed/);
    await expect(run('send-reminders', '--previous')).rejects.toThrow(/--previous is for services/);
  });

  it('refuses a name that is neither a service nor a job, before calling AWS', async () => {
    await expect(run('web')).rejects.toThrow(
      "No service or job 'web' in the config; declared: api, send-reminders",
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('refuses a --since it cannot read', async () => {
    await expect(run('api', '--since', 'yesterday')).rejects.toThrow(
      /--since "yesterday": expected a duration/,
    );
  });

  it('says to deploy first when the stack does not exist', async () => {
    mocks.cfn.reset();
    mocks.cfn.rejects(new Error('Stack with id talent-prod does not exist'));
    await expect(run('api')).rejects.toThrow(/Stack talent-prod does not exist .*berth deploy --env prod/);
  });
});
