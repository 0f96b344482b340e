import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { StartSessionCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import { register as registerExec } from '../src/commands/exec';
import { register as registerTunnel } from '../src/commands/tunnel';
import { exec } from '../src/ops/exec';
import { mocks } from './support/day2';
import {
  ACCOUNT,
  API,
  berth,
  CLUSTER,
  CONFIG,
  recordingRuntime,
  STANDBY_STACK,
  standbyAccount,
  standbyStack,
} from './support/standby';

const TASK = `arn:aws:ecs:us-west-2:${ACCOUNT}:task/${CLUSTER}/7a2b0ffee`;
const SESSION = {
  sessionId: 'ecs-execute-command-456',
  streamUrl: 'wss://ssmmessages.us-west-2.amazonaws.com/v1/data-channel/ecs-execute-command-456',
  tokenValue: 'TOKEN',
};
// Prod's ECS Exec is opt-in: this team opted in for api, so its standby copy has it too.
const prodWithExec = resolve(
  { ...helloYou, services: { api: { ...helloYou.services.api, exec: true } } },
  'prod',
);

/** The standby stack deployed in us-west-2 with one running api task (standby.tasks: 1); the primary not mocked. */
function standbyRunning(tasks: string[] = [TASK]): void {
  standbyAccount();
  mocks.cfn
    .on(DescribeStacksCommand, { StackName: STANDBY_STACK })
    .resolves({ Stacks: [standbyStack({ ClusterName: CLUSTER, ServiceApiName: API })] });
  mocks.ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: API, enableExecuteCommand: true }] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: tasks });
  mocks.ecs.on(DescribeTasksCommand).resolves({
    tasks: tasks.map((taskArn) => ({
      taskArn,
      lastStatus: 'RUNNING',
      taskDefinitionArn: `arn:aws:ecs:us-west-2:${ACCOUNT}:task-definition/hello-you-prod-standby-api:3`,
      containers: [
        {
          name: 'api',
          runtimeId: '7a2b0ffee-9876',
          managedAgents: [{ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING' }],
        },
      ],
    })),
  });
  mocks.ecs.on(ExecuteCommandCommand).resolves({
    clusterArn: `arn:aws:ecs:us-west-2:${ACCOUNT}:cluster/${CLUSTER}`,
    taskArn: TASK,
    containerName: 'api',
    interactive: true,
    session: SESSION,
  });
}

describe('berth exec --standby', () => {
  beforeEach(() => standbyRunning());

  it("execs into the standby's task: the standby stack's cluster and service, in the standby region", async () => {
    const rt = recordingRuntime();
    const code = await exec({ resolved: prodWithExec, service: 'api', standby: true }, rt);
    expect(code).toBe(0);
    expect(rt.regions).toEqual(['us-west-2']);
    expect(mocks.cfn.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual([
      'hello-you-prod-standby',
    ]);
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      services: [API],
    });
    expect(mocks.ecs.commandCalls(ListTasksCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      serviceName: API,
      desiredStatus: 'RUNNING',
    });
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      task: TASK,
      container: 'api',
      interactive: true,
      command: '/bin/sh',
    });
    // The plugin talks to the standby region's ECS endpoint, with the standby task as its target.
    expect(rt.captured.spawned).toEqual([
      {
        program: '/usr/local/bin/session-manager-plugin',
        args: [
          JSON.stringify(SESSION),
          'us-west-2',
          'StartSession',
          'hello-you-prod',
          JSON.stringify({ Target: `ecs:${CLUSTER}_7a2b0ffee_7a2b0ffee-9876` }),
          'https://ecs.us-west-2.amazonaws.com',
        ],
      },
    ]);
    expect(rt.captured.progress.at(-1)).toBe(
      'standby (us-west-2) api: task 7a2b0ffee (hello-you-prod-standby-api:3), running /bin/sh',
    );
  });

  it('says the pilot light runs no task (standby.tasks) when the standby copy has none', async () => {
    standbyRunning([]);
    const rt = recordingRuntime();
    await expect(exec({ resolved: prodWithExec, service: 'api', standby: true }, rt)).rejects.toThrow(
      /The standby's api in us-west-2 runs no task: a pilot light keeps standby\.tasks of each service \(0 by default\)/,
    );
    expect(mocks.ecs.commandCalls(ExecuteCommandCommand)).toHaveLength(0);
  });

  it('refuses an environment without a standby, before calling AWS', async () => {
    const rt = recordingRuntime();
    await expect(
      berth(registerExec, rt, ['exec', 'api', '--env', 'dev', '--config', CONFIG, '--standby']),
    ).rejects.toThrow(/hello-you dev has no pilot-light standby: --standby needs standby: \{ region \}/);
    expect(rt.regions).toEqual([]);
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(rt.captured.spawned).toEqual([]);
  });
});

describe('berth tunnel --standby', () => {
  beforeEach(() => standbyRunning());

  it('refuses: the pilot-light standby has no bastion, and no session or secret is touched', async () => {
    const rt = recordingRuntime();
    await expect(
      berth(registerTunnel, rt, ['tunnel', 'database', '--env', 'prod', '--config', CONFIG, '--standby']),
    ).rejects.toThrow(
      /hello-you prod's standby in us-west-2 has no bastion: the pilot light builds none, so nothing in its VPC forwards a port to the standby database/,
    );
    expect(rt.regions).toEqual([]);
    expect(mocks.ssm.commandCalls(StartSessionCommand)).toHaveLength(0);
    expect(mocks.secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(rt.captured.out).toEqual([]);
  });

  it('refuses an environment without a standby, naming what to set', async () => {
    const rt = recordingRuntime();
    await expect(
      berth(registerTunnel, rt, ['tunnel', 'database', '--env', 'dev', '--config', CONFIG, '--standby']),
    ).rejects.toThrow(/hello-you dev has no pilot-light standby: --standby needs standby: \{ region \}/);
    expect(rt.regions).toEqual([]);
  });
});
