import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { register as registerLogs } from '../src/commands/logs';
import { register as registerStatus } from '../src/commands/status';
import { CONFIG as TALENT, NOW, mocks } from './support/day2';
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

const API_ARN = `arn:aws:ecs:us-west-2:${ACCOUNT}:service/${CLUSTER}/${API}`;
const API_LOGS = 'hello-you-prod-standby-StandbyServiceApiLogs-RtY';
const TD = `arn:aws:ecs:us-west-2:${ACCOUNT}:task-definition/hello-you-prod-standby-api:3`;

/** The standby stack as deployed: the runbook outputs constructs/pilot-light.ts adds to it. */
function standbyDeployed(): void {
  standbyAccount();
  mocks.cfn.on(DescribeStacksCommand, { StackName: STANDBY_STACK }).resolves({
    Stacks: [
      standbyStack({
        ClusterName: CLUSTER,
        ServiceApiName: API,
        ServiceApiLogGroup: API_LOGS,
        DatabaseIdentifier: 'hello-you-prod-standby-replica-abc',
        DatabaseKind: 'instance',
        DatabaseEndpoint: 'hello-you-prod-standby-replica-abc.xyz.us-west-2.rds.amazonaws.com',
      }),
    ],
  });
  mocks.cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { ResourceType: 'AWS::ECS::Service', PhysicalResourceId: API_ARN } as never,
      { ResourceType: 'AWS::ECS::TaskDefinition', PhysicalResourceId: TD } as never,
    ],
  });
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: API,
        serviceArn: API_ARN,
        taskDefinition: TD,
        desiredCount: 0,
        runningCount: 0,
        pendingCount: 0,
        deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED', taskDefinition: TD }],
      },
    ],
  });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { containerDefinitions: [{ name: 'api', image: 'ghcr.io/hello-you/api:1.4.2' }] },
  });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  mocks.rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      { DBInstanceStatus: 'available', EngineVersion: '16.13', Endpoint: { Address: 'replica' } },
    ],
  });
  mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  mocks.logs.on(FilterLogEventsCommand).resolves({
    events: [
      {
        eventId: '1',
        timestamp: NOW - 60_000,
        logStreamName: 'api/api/0f1e2d3c',
        message: JSON.stringify({ level: 30, time: NOW - 60_000, msg: 'standby up' }),
      },
    ],
  });
}

describe('berth status --standby', () => {
  beforeEach(standbyDeployed);

  it("reads the standby's stack in the standby region, and names its services as the config does", async () => {
    const rt = recordingRuntime();
    await berth(registerStatus, rt, ['status', '--env', 'prod', '--config', CONFIG, '--standby']);
    expect(rt.regions).toEqual(['us-west-2']);
    expect(mocks.cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input.StackName).toBe(
      'hello-you-prod-standby',
    );
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      services: [API_ARN],
    });
    const text = rt.captured.out.join('\n');
    expect(text).toContain('api: 0/0 running, 0 pending · rev 3 · image 1.4.2');
    expect(text).not.toContain('standby-api');
    // The standby's own database (the cross-region replica): its state, what the runbook's promotion waits for.
    expect(mocks.rds.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input.DBInstanceIdentifier).toBe(
      'hello-you-prod-standby-replica-abc',
    );
    expect(text).toContain('database hello-you-prod-standby-replica-abc: available');
  });

  it('--json reports the standby stack', async () => {
    const rt = recordingRuntime();
    await berth(registerStatus, rt, ['status', '--env', 'prod', '--config', CONFIG, '--standby', '--json']);
    const report = JSON.parse(rt.captured.out.join('\n'));
    expect(report.stack.name).toBe('hello-you-prod-standby');
    expect(report.region).toBe('us-west-2');
    expect(report.services.map((s: { name: string }) => s.name)).toEqual(['api']);
  });

  it('without --standby reads the primary (which this mock has not deployed)', async () => {
    const rt = recordingRuntime();
    await expect(berth(registerStatus, rt, ['status', '--env', 'prod', '--config', CONFIG])).rejects.toThrow(
      /Stack hello-you-prod does not exist in us-east-1/,
    );
    expect(rt.regions).toEqual(['us-east-1']);
  });

  it('refuses --standby where the environment has none, before calling AWS', async () => {
    const rt = recordingRuntime();
    await expect(
      berth(registerStatus, rt, ['status', '--env', 'dev', '--config', CONFIG, '--standby']),
    ).rejects.toThrow(/hello-you dev has no pilot-light standby: --standby needs standby: \{ region \}/);
    expect(rt.regions).toEqual([]);
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});

describe('berth logs --standby', () => {
  beforeEach(standbyDeployed);

  it("reads the standby copy's log group, named by the standby stack, in the standby region", async () => {
    const rt = recordingRuntime();
    await berth(registerLogs, rt, ['logs', 'api', '--env', 'prod', '--config', CONFIG, '--standby']);
    expect(rt.regions).toEqual(['us-west-2']);
    expect(mocks.logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: API_LOGS,
      logStreamNamePrefix: 'api/',
    });
    expect(rt.captured.out).toEqual(['0f1e2d 08:59:00.000 INFO  standby up']);
  });

  it('refuses a job (the standby schedules none) and an environment without a standby', async () => {
    const rt = recordingRuntime();
    await expect(
      berth(registerLogs, rt, ['logs', 'send-reminders', '--env', 'prod', '--config', TALENT, '--standby']),
    ).rejects.toThrow(/The standby runs services only \(jobs are not scheduled there\)/);
    await expect(
      berth(registerLogs, rt, ['logs', 'api', '--env', 'prod', '--config', TALENT, '--standby']),
    ).rejects.toThrow(/talent prod has no pilot-light standby/);
    expect(rt.regions).toEqual([]);
  });
});
