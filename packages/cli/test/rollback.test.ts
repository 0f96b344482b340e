import { join } from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  type DescribeServicesCommandOutput,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/rollback';
import { CliError } from '@berthjs/config/load';
import { main } from '../src/main';
import { awsClients, type OpsRuntime } from '../src/ops/aws';
import { rollback } from '../src/ops/rollback';

const CONFIG = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
const resolved = resolve(talent, 'prod');
const SERVICE = 'arn:aws:ecs:us-east-1:222222222222:service/talent-prod-Cluster/talent-prod-api';
const td = (rev: number) => `arn:aws:ecs:us-east-1:222222222222:task-definition/talent-prod-api:${rev}`;

const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);
const cfn = mockClient(CloudFormationClient);
const lines: string[] = [];
const rt: OpsRuntime = {
  clients: awsClients,
  sleep: async () => {},
  progress: (l) => lines.push(l),
  out: (l) => lines.push(l),
  pollMs: 0,
  steadyTimeoutMs: 60_000,
};

const service = (
  rev: number,
  deployments: { rev: number; state: 'COMPLETED' | 'IN_PROGRESS' | 'FAILED'; reason?: string }[],
): DescribeServicesCommandOutput => ({
  $metadata: {},
  services: [
    {
      serviceArn: SERVICE,
      taskDefinition: td(rev),
      runningCount: 3,
      desiredCount: 3,
      deployments: deployments.map((d, i) => ({
        status: i === 0 ? 'PRIMARY' : 'ACTIVE',
        taskDefinition: td(d.rev),
        rolloutState: d.state,
        ...(d.reason ? { rolloutStateReason: d.reason } : {}),
      })),
    },
  ],
});

beforeEach(() => {
  lines.length = 0;
  sts.reset();
  ecs.reset();
  cfn.reset();
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
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [td(12), td(11), td(9)] });
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
    taskDefinition: {
      containerDefinitions: [
        { name: 'api', image: `repo/talent/api:${input.taskDefinition.endsWith(':12') ? 'new' : 'old'}` },
      ],
    },
  }));
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
});
afterEach(() => vi.restoreAllMocks());

describe('berth rollback', () => {
  it('moves the service to the previous ACTIVE revision and waits for steady state', async () => {
    // GIVEN the service runs :12, then settles on :11 after the update
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
      .resolvesOnce(
        service(11, [
          { rev: 11, state: 'IN_PROGRESS' },
          { rev: 12, state: 'COMPLETED' },
        ]),
      )
      .resolves(service(11, [{ rev: 11, state: 'COMPLETED' }]));
    // WHEN
    const report = await rollback({ resolved }, rt);
    // THEN
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toMatchObject({
      cluster: 'talent-prod-Cluster',
      service: SERVICE,
      taskDefinition: td(11),
    });
    expect(report.to.taskDefinition).toBe(td(11));
    expect(report.from.images).toEqual(['repo/talent/api:new']);
    expect(report.to.images).toEqual(['repo/talent/api:old']);
    expect(lines.join('\n')).toMatch(/talent-prod-api:12 .* → talent-prod-api:11/);
  });

  it('skips a revision berth deploy registered only to run migrations (labelled berth.purpose=migrate)', async () => {
    // GIVEN :11 was registered by a deploy to run the migrations with the new image before the stack update
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'api',
            image: `repo/talent/api:${/:1[12]$/.test(input.taskDefinition) ? 'new' : 'old'}`,
            ...(input.taskDefinition.endsWith(':11') ? { dockerLabels: { 'berth.purpose': 'migrate' } } : {}),
          },
        ],
      },
    }));
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
      .resolves(service(9, [{ rev: 9, state: 'COMPLETED' }]));
    // WHEN / THEN it goes back to :9, the revision the service ran before
    const report = await rollback({ resolved }, rt);
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input.taskDefinition).toBe(td(9));
    expect(report.to.images).toEqual(['repo/talent/api:old']);
  });

  it('--to picks a given ACTIVE revision and refuses one that is not', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
      .resolves(service(9, [{ rev: 9, state: 'COMPLETED' }]));
    await rollback({ resolved, to: 9 }, rt);
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input.taskDefinition).toBe(td(9));

    ecs.on(DescribeServicesCommand).resolves(service(12, [{ rev: 12, state: 'COMPLETED' }]));
    await expect(rollback({ resolved, to: 10 }, rt)).rejects.toThrow(
      /talent-prod-api:10 is not an ACTIVE revision; ACTIVE: 12, 11, 9/,
    );
  });

  it('fails, exit 1, when ECS does not end on the target revision', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
      .resolves(service(11, [{ rev: 11, state: 'FAILED', reason: 'tasks failed to start' }]));
    const err = await rollback({ resolved }, rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toMatch(
      /Rollback of api failed: deployment failed: tasks failed to start/,
    );
  });

  it('--if-image-tag: does nothing when the failed deploy is not live (ECS already rolled it back)', async () => {
    ecs.on(DescribeServicesCommand).resolves(service(11, [{ rev: 11, state: 'COMPLETED' }]));
    const report = await rollback({ resolved, ifImageTag: 'new' }, rt);
    expect(report.skipped).toMatch(/not tag new: the failed deploy is not live/);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  describe('of a canary service (talent prod deploys api by canary)', () => {
    const DEPLOYMENT =
      'arn:aws:ecs:us-east-1:222222222222:service-deployment/talent-prod-Cluster/talent-prod-api/r1';
    const phase = (p: Partial<ServiceDeployment>) => ({
      serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, ...p }],
    });
    beforeEach(() => {
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, createdAt: new Date() }],
      });
    });

    it('prints each phase ECS reports, as berth deploy does, and ends on the older revision', async () => {
      expect(resolved.services.api!.deploy.strategy).toBe('canary');
      // GIVEN ECS takes :11 through the canary: shift, bake, complete
      const shifting = service(11, [
        { rev: 11, state: 'IN_PROGRESS' },
        { rev: 12, state: 'COMPLETED' },
      ]);
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
        .resolvesOnce(shifting)
        .resolvesOnce(shifting)
        .resolves(service(11, [{ rev: 11, state: 'COMPLETED' }]));
      ecs
        .on(DescribeServiceDeploymentsCommand)
        .resolvesOnce(phase({ status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }))
        .resolvesOnce(phase({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' }))
        .resolves(phase({ status: 'SUCCESSFUL' }));
      // WHEN
      const report = await rollback({ resolved }, rt);
      // THEN
      const text = lines.join('\n');
      expect(text).toMatch(/canary deployment/);
      expect(text).toMatch(/api: shifting production traffic[\s\S]*api: baking[\s\S]*api: complete/);
      expect(report).toMatchObject({ to: { taskDefinition: td(11) }, phase: 'complete' });
      // only deployments of this service, created since the rollback began
      const list = ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input;
      expect(list).toMatchObject({ cluster: 'talent-prod-Cluster', service: SERVICE });
      expect(list.createdAt?.after).toBeInstanceOf(Date);
    });

    it('fails, exit 1, naming the alarm when ECS reverts the rollback', async () => {
      // GIVEN :11 serves 5xx during its canary: the 5xx-rate alarm fires and ECS goes back to :12
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
        .resolvesOnce(
          service(11, [
            { rev: 11, state: 'IN_PROGRESS' },
            { rev: 12, state: 'COMPLETED' },
          ]),
        )
        .resolves(service(12, [{ rev: 12, state: 'COMPLETED' }]));
      ecs
        .on(DescribeServiceDeploymentsCommand)
        .resolvesOnce(phase({ status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }))
        .resolves(
          phase({
            status: 'ROLLBACK_SUCCESSFUL',
            alarms: { status: 'TRIGGERED', triggeredAlarmNames: ['talent-prod-api-deploy-5xx-rate'] },
            rollback: { reason: 'CloudWatch alarm talent-prod-api-deploy-5xx-rate is in ALARM' },
          }),
        );
      // WHEN
      const err = await rollback({ resolved }, rt).catch((e: unknown) => e);
      // THEN
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(1);
      expect((err as CliError).message).toMatch(
        /^Rollback of api failed: rolled back by alarm talent-prod-api-deploy-5xx-rate/,
      );
      expect(lines.join('\n')).toMatch(/api: shifting production traffic[\s\S]*api: rolled back by alarm/);
    });
  });

  it('a rolling service is not followed through the service-deployment API', async () => {
    const api = resolved.services.api!;
    const rolling = {
      ...resolved,
      services: { ...resolved.services, api: { ...api, deploy: { strategy: 'rolling' as const } } },
    };
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(service(12, [{ rev: 12, state: 'COMPLETED' }]))
      .resolves(service(11, [{ rev: 11, state: 'COMPLETED' }]));
    await rollback({ resolved: rolling }, rt);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/waiting for steady state/);
  });

  it('the command validates --to', async () => {
    const program = new Command('berth').exitOverride();
    register(program, () => rt);
    await expect(
      program.parseAsync(['node', 'berth', 'rollback', '--env', 'prod', '--config', CONFIG, '--to', 'x']),
    ).rejects.toThrow(/--to x: expected a revision number/);
  });

  it('missing credentials: a clear message, exit 1, no stack trace', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(String(m)));
    expect(await main(['node', 'berth', 'rollback', '--env', 'prod', '--config', CONFIG])).toBe(1);
    // On Node 20 a one-line Node notice comes first.
    expect(errors.join('\n')).toMatch(/^berth: No AWS credentials found .* AWS_PROFILE/m);
    expect(errors.join('\n')).not.toMatch(/\n\s+at /);
  });
});
