import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { register } from '../src/commands/status';
import {
  ACCOUNT,
  API_SERVICE,
  CLUSTER,
  CONFIG,
  OUTPUTS,
  day2Runtime,
  deployed,
  mocks,
  programWith,
} from './support/day2';

const TD = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/talent-prod-api:14`;
const JOB_TD = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/talent-prod-job-send-reminders:9`;
const SERVICE_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${CLUSTER}/${API_SERVICE}`;
const resource = (ResourceType: string, PhysicalResourceId: string) => ({
  ResourceType,
  PhysicalResourceId,
  LogicalResourceId: PhysicalResourceId,
  ResourceStatus: 'UPDATE_COMPLETE' as const,
  LastUpdatedTimestamp: new Date(),
});

function healthy(running = 2): void {
  deployed();
  mocks.cfn
    .on(ListStackResourcesCommand)
    .resolvesOnce({
      StackResourceSummaries: [
        resource('AWS::ECS::Service', SERVICE_ARN),
        resource('AWS::ECS::TaskDefinition', TD),
      ],
      NextToken: 'page2',
    })
    .resolves({
      StackResourceSummaries: [
        resource('AWS::ECS::TaskDefinition', JOB_TD),
        resource('AWS::CloudWatch::Alarm', 'talent-prod-alb-5xx'),
        resource('AWS::CloudWatch::Alarm', 'talent-prod-api-cpu'),
      ],
    });
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: API_SERVICE,
        serviceArn: SERVICE_ARN,
        taskDefinition: TD,
        desiredCount: 2,
        runningCount: running,
        pendingCount: 2 - running,
        deployments: [
          {
            status: 'PRIMARY',
            rolloutState: running === 2 ? 'COMPLETED' : 'IN_PROGRESS',
            taskDefinition: TD,
            runningCount: running,
            desiredCount: 2,
          },
        ],
      },
    ],
  });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      containerDefinitions: [
        { name: 'api', image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/talent/api:abc1234` },
      ],
    },
  });
  mocks.ecs
    .on(ListTasksCommand, { family: 'talent-prod-job-send-reminders', desiredStatus: 'RUNNING' })
    .resolves({ taskArns: [] });
  mocks.ecs
    .on(ListTasksCommand, { family: 'talent-prod-job-send-reminders', desiredStatus: 'STOPPED' })
    .resolves({ taskArns: ['arn:task/job1'] });
  mocks.ecs
    .on(ListTasksCommand, { serviceName: API_SERVICE, desiredStatus: 'STOPPED' })
    .resolves({ taskArns: ['arn:task/api1'] });
  mocks.ecs.on(DescribeTasksCommand, { tasks: ['arn:task/job1'] }).resolves({
    tasks: [
      {
        taskArn: 'arn:task/job1',
        stoppedAt: new Date('2026-12-07T08:30:00Z'),
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'api', exitCode: 3 }],
      },
    ],
  });
  mocks.ecs.on(DescribeTasksCommand, { tasks: ['arn:task/api1'] }).resolves({
    tasks: [
      {
        taskArn: 'arn:task/api1',
        stoppedAt: new Date('2026-12-07T08:58:00Z'),
        stoppedReason: 'Task failed container health checks',
        containers: [
          { name: 'api', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ],
      },
    ],
  });
  mocks.logs.on(DescribeLogStreamsCommand).resolves({
    logStreams: [
      { logStreamName: 'job-send-reminders/api/a', lastEventTimestamp: Date.parse('2026-12-06T09:00:05Z') },
      { logStreamName: 'job-send-reminders/api/b', lastEventTimestamp: Date.parse('2026-12-07T08:29:58Z') },
    ],
  });
  mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'talent-prod-alb-5xx',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed: 1 datapoint [12.0]',
      },
      { AlarmName: 'talent-prod-api-cpu', StateValue: 'OK' },
    ],
  });
  mocks.rds.on(DescribeDBClustersCommand).resolves({
    DBClusters: [{ Status: 'available', EngineVersion: '17.9', Endpoint: OUTPUTS.DatabaseEndpoint }],
  });
}

async function run(...args: string[]) {
  const rt = day2Runtime();
  await programWith(register, rt).parseAsync([
    'node',
    'berth',
    'status',
    '--env',
    'prod',
    '--config',
    CONFIG,
    ...args,
  ]);
  return rt.captured;
}

describe('berth status', () => {
  beforeEach(() => healthy());

  it('prints services, alarms in ALARM, jobs and the database, all found from the stack', async () => {
    const { out } = await run();
    const text = out.join('\n');
    expect(text).toContain('api: 2/2 running, 0 pending · rev 14 · image abc1234 · COMPLETED');
    expect(text).toContain('alarms: 1 of 2 in ALARM');
    expect(text).toContain('ALARM talent-prod-alb-5xx: Threshold Crossed');
    expect(text).toContain('send-reminders: last run 30 min ago exit 3');
    expect(text).toContain('database talent-prod-databasecluster-abc: available · PostgreSQL 17.9');
    // Alarms by the names the stack lists, both pages of ListStackResources read.
    expect(mocks.cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input.AlarmNames).toEqual([
      'talent-prod-alb-5xx',
      'talent-prod-api-cpu',
    ]);
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      services: [SERVICE_ARN],
    });
    expect(mocks.rds.commandCalls(DescribeDBClustersCommand)[0]!.args[0].input.DBClusterIdentifier).toBe(
      OUTPUTS.DatabaseIdentifier,
    );
    // A healthy service is not asked for its stopped tasks.
    expect(mocks.ecs.commandCalls(ListTasksCommand, { serviceName: API_SERVICE })).toHaveLength(0);
  });

  it('names the last stopped task when a service is short of tasks (crash loop)', async () => {
    healthy(0);
    const text = (await run()).out.join('\n');
    expect(text).toContain('api: 0/2 running, 2 pending');
    expect(text).toContain(
      'last stopped task api1: Task failed container health checks (exit 137) — OutOfMemoryError: Container killed due to memory usage',
    );
  });

  it("names the phase of a canary service's newest ECS service deployment", async () => {
    const service = {
      serviceName: API_SERVICE,
      serviceArn: SERVICE_ARN,
      taskDefinition: TD,
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' as const, taskDefinition: TD }],
      deploymentConfiguration: { strategy: 'CANARY' as const },
    };
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [service] });
    mocks.ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: 'arn:sd/old', createdAt: new Date('2026-12-01T00:00:00Z') },
        { serviceDeploymentArn: 'arn:sd/new', createdAt: new Date('2026-12-07T08:50:00Z') },
      ],
    });
    mocks.ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: 'arn:sd/new', status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' },
      ],
    });
    const text = (await run()).out.join('\n');
    expect(text).toContain('image abc1234 · COMPLETED · canary: baking');
    expect(mocks.ecs.commandCalls(DescribeServiceDeploymentsCommand)[0]!.args[0].input).toEqual({
      serviceDeploymentArns: ['arn:sd/new'],
    });
  });

  it('--json carries the outputs a runbook needs', async () => {
    const report = JSON.parse((await run('--json')).out.join('\n'));
    expect(report.outputs.ClusterName).toBe(CLUSTER);
    expect(report.outputs.DatabaseSecretArn).toBe(OUTPUTS.DatabaseSecretArn);
    expect(report.services[0]).toMatchObject({
      name: 'api',
      revision: 14,
      imageTag: 'abc1234',
      desired: 2,
      running: 2,
    });
    expect(report.jobs[0]).toMatchObject({
      name: 'send-reminders',
      lastRun: { exitCode: 3 },
      lastLogAt: '2026-12-07T08:29:58.000Z',
    });
    expect(report.alarms.firing).toEqual([
      { name: 'talent-prod-alb-5xx', reason: 'Threshold Crossed: 1 datapoint [12.0]' },
    ]);
  });

  it('says to deploy first when the stack does not exist', async () => {
    mocks.cfn.on(DescribeStacksCommand).rejects(new Error('Stack with id talent-prod does not exist'));
    await expect(run()).rejects.toThrow(
      /Stack talent-prod does not exist in us-east-1 .*run 'berth deploy --env prod' first/,
    );
  });

  it('says which account the credentials are for when it is the wrong one', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:sts::999999999999:x' });
    await expect(run()).rejects.toThrow(
      /credentials are for account 999999999999 .*lives in account 222222222222: switch AWS_PROFILE/,
    );
    expect(mocks.cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('says which credentials to set when there are none', async () => {
    const e = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    mocks.sts.on(GetCallerIdentityCommand).rejects(e);
    await expect(run()).rejects.toThrow(/No AWS credentials found for us-east-1\. Set AWS_PROFILE/);
  });

  it('asks for one deploy when the stack predates the runbook outputs', async () => {
    deployed({});
    await expect(run()).rejects.toThrow(/has no output ClusterName .*Run 'berth deploy --env prod' once/);
  });
});
