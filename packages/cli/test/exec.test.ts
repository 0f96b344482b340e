import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/exec';
import { exec } from '../src/ops/exec';
import { pluginArgs } from '../src/ops/session';
import { API_SERVICE, CLUSTER, CONFIG, day2Runtime, deployed, mocks, programWith } from './support/day2';

const TASK = `arn:aws:ecs:us-east-1:222222222222:task/${CLUSTER}/5b1c0ffee`;
const SESSION = {
  sessionId: 'ecs-execute-command-123',
  streamUrl: 'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/ecs-execute-command-123',
  tokenValue: 'TOKEN',
};
const prodWithExec = resolve(
  { ...talent, services: { api: { ...talent.services.api, exec: true } } },
  'prod',
);

function running(agent: 'RUNNING' | 'PENDING' = 'RUNNING') {
  mocks.ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: API_SERVICE, enableExecuteCommand: true }] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [TASK] });
  mocks.ecs.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: TASK,
        lastStatus: 'RUNNING',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:222222222222:task-definition/talent-prod-api:14',
        containers: [
          {
            name: 'api',
            runtimeId: '5b1c0ffee-1234',
            managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus: agent }],
          },
        ],
      },
    ],
  });
  mocks.ecs.on(ExecuteCommandCommand).resolves({
    clusterArn: `arn:aws:ecs:us-east-1:222222222222:cluster/${CLUSTER}`,
    taskArn: TASK,
    containerName: 'api',
    interactive: true,
    session: SESSION,
  });
}

beforeEach(() => {
  deployed();
  running();
});

describe('berth exec', () => {
  it('execs into the running task and runs the plugin as the AWS CLI does', async () => {
    const rt = day2Runtime();
    const code = await exec(
      { resolved: prodWithExec, service: 'api', command: ['node', 'dist/job.js', 'migrate', '--dry run'] },
      rt,
    );
    expect(code).toBe(0);
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      serviceName: API_SERVICE,
      desiredStatus: 'RUNNING',
    });
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      task: TASK,
      container: 'api',
      interactive: true,
      command: "node dist/job.js migrate '--dry run'",
    });
    expect(rt.captured.spawned).toEqual([
      {
        program: '/usr/local/bin/session-manager-plugin',
        args: [
          JSON.stringify(SESSION),
          'us-east-1',
          'StartSession',
          'talent-prod',
          JSON.stringify({ Target: `ecs:${CLUSTER}_5b1c0ffee_5b1c0ffee-1234` }),
          'https://ecs.us-east-1.amazonaws.com',
        ],
      },
    ]);
  });

  it('opens a shell by default, through the command line (dev: on by the profile)', async () => {
    const rt = day2Runtime();
    await programWith(register, rt).parseAsync([
      'node',
      'berth',
      'exec',
      'api',
      '--env',
      'dev',
      '--config',
      CONFIG,
    ]);
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)[0]!.args[0].input.command).toBe('/bin/sh');
    expect(rt.captured.progress.at(-1)).toBe('api: task 5b1c0ffee (talent-prod-api:14), running /bin/sh');
  });

  it('passes what follows -- as the command, and exits with the plugin code', async () => {
    const rt = day2Runtime({ exitCode: 130 });
    await expect(
      programWith(register, rt).parseAsync([
        'node',
        'berth',
        'exec',
        'api',
        '--env',
        'dev',
        '--config',
        CONFIG,
        '--',
        'python',
        '-m',
        'app.jobs',
        'migrate',
      ]),
    ).rejects.toMatchObject({ exitCode: 130 });
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)[0]!.args[0].input.command).toBe(
      'python -m app.jobs migrate',
    );
  });

  it('refuses prod where the config did not opt in, before calling AWS', async () => {
    await expect(exec({ resolved: resolve(talent, 'prod'), service: 'api' }, day2Runtime())).rejects.toThrow(
      /ECS Exec is off for api in prod \(the prod profile's default: opt-in\)\. Set services\.api\.exec: true/,
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('refuses clearly when the session-manager-plugin is missing, before opening a session', async () => {
    await expect(
      exec({ resolved: prodWithExec, service: 'api' }, day2Runtime({ plugin: false })),
    ).rejects.toThrow(
      /session-manager-plugin is not installed \(or not on PATH\)\. ECS Exec and SSM tunnels need it: install it from https:\/\/docs\.aws\.amazon\.com/,
    );
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)).toHaveLength(0);
  });

  it('says to deploy when the deployed service has exec off', async () => {
    mocks.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ serviceName: API_SERVICE, enableExecuteCommand: false }] });
    await expect(exec({ resolved: prodWithExec, service: 'api' }, day2Runtime())).rejects.toThrow(
      /The deployed api service has ECS Exec off: .*run 'berth deploy --env prod' first/,
    );
  });

  it('refuses when no task has its exec agent running', async () => {
    running('PENDING');
    await expect(exec({ resolved: prodWithExec, service: 'api' }, day2Runtime())).rejects.toThrow(
      /api has no running task with ECS Exec's agent running \(1 task\(s\) RUNNING\)/,
    );
  });

  it('explains an agent ECS cannot reach', async () => {
    mocks.ecs.on(ExecuteCommandCommand).rejects(
      Object.assign(new Error('The execute command failed due to an internal error.'), {
        name: 'TargetNotConnectedException',
      }),
    );
    await expect(exec({ resolved: prodWithExec, service: 'api' }, day2Runtime())).rejects.toThrow(
      /ECS could not reach the exec agent in task 5b1c0ffee: .*four ssmmessages calls .*ssmmessages\.us-east-1\.amazonaws\.com/,
    );
  });

  it('says to deploy first when the stack does not exist', async () => {
    mocks.cfn.reset();
    mocks.cfn.rejects(new Error('Stack with id talent-prod does not exist'));
    await expect(exec({ resolved: prodWithExec, service: 'api' }, day2Runtime())).rejects.toThrow(
      /Stack talent-prod does not exist/,
    );
  });

  it('builds the plugin arguments in the AWS CLI order', () => {
    expect(
      pluginArgs({
        session: { a: 1 },
        region: 'eu-west-1',
        request: { Target: 'i-1' },
        endpoint: 'https://ssm.eu-west-1.amazonaws.com',
      }),
    ).toEqual([
      '{"a":1}',
      'eu-west-1',
      'StartSession',
      '',
      '{"Target":"i-1"}',
      'https://ssm.eu-west-1.amazonaws.com',
    ]);
  });
});
