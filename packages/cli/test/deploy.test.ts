import { join } from 'node:path';
import {
  DescribeStackResourcesCommand,
  CloudFormationClient,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
  type DeploymentRolloutState,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import talent from '../../../examples/talent/berth.config';
import { CliError } from '@berthjs/config/load';
import { main } from '../src/main';
import { awsClients, type OpsRuntime } from '../src/ops/aws';
import { deploy, type DeployDeps } from '../src/ops/deploy';
import type { ImageBuild } from '../src/ops/image';
import type { StackDeployment } from '../src/ops/toolkit';

const CONFIG = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
const resolved = resolve(talent, 'prod');
const CLUSTER = 'talent-prod-Cluster';
const SERVICE = 'arn:aws:ecs:us-east-1:222222222222:service/talent-prod-Cluster/talent-prod-api';
const td = (rev: number) => `arn:aws:ecs:us-east-1:222222222222:task-definition/talent-prod-api:${rev}`;
const IMAGE = '222222222222.dkr.ecr.us-east-1.amazonaws.com/talent/api';

/** What the fake synth returns and GetTemplate answers by default: no infrastructure change, a code deploy. */
const DEPLOYED = {
  Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'talent-prod-alerts' } } },
};

const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);
const ecr = mockClient(ECRClient);
const cfn = mockClient(CloudFormationClient);

function runtime(lines: string[]): OpsRuntime {
  return {
    clients: awsClients,
    sleep: async () => {},
    progress: (l) => lines.push(l),
    out: (l) => lines.push(l),
    pollMs: 0,
    steadyTimeoutMs: 60_000,
  };
}

function fakes(lines: string[]) {
  const builds: ImageBuild[] = [];
  const deployments: StackDeployment[] = [];
  const deps: DeployDeps = {
    rt: runtime(lines),
    images: {
      available: async () => true,
      buildAndPush: async (b) => {
        builds.push(b);
      },
    },
    toolkit: {
      deploy: async (d) => {
        deployments.push(d);
        return { stacks: ['talent-prod'] };
      },
    },
    git: { shortSha: async () => 'abc1234', isDirty: async () => false },
    synth: async () => [{ stackName: 'talent-prod', template: DEPLOYED }],
  };
  return { deps, builds, deployments };
}

/** The service as ECS reports it once its deployment settled on `rev`. */
function settled(
  rev: number,
  rolloutState: DeploymentRolloutState = 'COMPLETED',
  rolloutStateReason?: string,
): DescribeServicesCommandOutput {
  return {
    $metadata: {},
    services: [
      {
        serviceArn: SERVICE,
        serviceName: 'talent-prod-api',
        taskDefinition: td(rev),
        runningCount: 3,
        desiredCount: 3,
        deployments: [
          {
            status: 'PRIMARY',
            taskDefinition: td(rev),
            rolloutState,
            rolloutStateReason,
            runningCount: 3,
            desiredCount: 3,
          },
        ],
      },
    ],
  };
}

beforeEach(() => {
  sts.reset();
  ecs.reset();
  ecr.reset();
  cfn.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/deploy/ci' });
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'talent/api' }] });
  ecr
    .on(DescribeImagesCommand)
    .rejects(Object.assign(new Error('no such image'), { name: 'ImageNotFoundException' }));
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ authorizationToken: Buffer.from('AWS:secret-token').toString('base64') }],
  });
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(DEPLOYED) });
  cfn.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        ResourceType: 'AWS::ECS::Cluster',
        PhysicalResourceId: CLUSTER,
        LogicalResourceId: 'Cluster',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date(),
      },
      {
        ResourceType: 'AWS::ECS::Service',
        PhysicalResourceId: SERVICE,
        LogicalResourceId: 'Svc',
        ResourceStatus: 'UPDATE_COMPLETE',
        Timestamp: new Date(),
      },
    ],
  });
  ecs
    .on(ListTasksCommand)
    .resolves({ taskArns: ['arn:aws:ecs:us-east-1:222222222222:task/talent-prod-Cluster/t1'] });
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: 'arn:aws:ecs:us-east-1:222222222222:task/talent-prod-Cluster/t1',
        stoppedAt: new Date(),
        stoppedReason: 'Essential container in task exited',
        containers: [{ name: 'api', exitCode: 1, reason: 'Error: DATABASE_SECRET is missing' }],
      },
    ],
  });
});
afterEach(() => vi.restoreAllMocks());

describe('berth deploy', () => {
  it('builds and pushes the image tagged with the git sha, deploys with that ImageTag, waits for steady state', async () => {
    // GIVEN ECS settles on the new revision running the new tag
    ecs.on(DescribeServicesCommand).resolves(settled(8));
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'api', image: `${IMAGE}:abc1234` }] },
    });
    const lines: string[] = [];
    const { deps, builds, deployments } = fakes(lines);
    // WHEN
    const report = await deploy({ resolved, configDir: join(CONFIG, '..'), skipMigrations: true }, deps);
    // THEN
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({
      image: `${IMAGE}:abc1234`,
      platform: 'linux/amd64',
      registry: {
        host: '222222222222.dkr.ecr.us-east-1.amazonaws.com',
        username: 'AWS',
        password: 'secret-token',
      },
    });
    expect(builds[0]!.dockerfile).toMatch(/examples\/talent\/Dockerfile$/);
    expect(deployments).toEqual([expect.objectContaining({ imageTag: 'abc1234', importExisting: false })]);
    expect(report.services).toEqual([expect.objectContaining({ name: 'api', ok: true, running: 3 })]);
    expect(lines.join('\n')).toMatch(/api: COMPLETED 3\/3 running/);
  });

  it('fails with the reason when the circuit breaker silently rolled back to the previous task definition', async () => {
    // GIVEN the rollout "completed" on the old revision, which still runs the old image
    ecs
      .on(DescribeServicesCommand)
      .resolves(
        settled(7, 'COMPLETED', 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/123'),
      );
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'api', image: `${IMAGE}:0ld7a9` }] },
    });
    const { deps } = fakes([]);
    // WHEN / THEN
    const err = await deploy({ resolved, configDir: join(CONFIG, '..'), skipMigrations: true }, deps).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toMatch(/rolled back: the service runs .*:0ld7a9, not tag abc1234/);
    expect((err as CliError).message).toMatch(/circuit breaker/);
    expect((err as CliError).message).toMatch(
      /Essential container in task exited \(Error: DATABASE_SECRET is missing, exit 1\)/,
    );
  });

  it('fails when the rollout state is FAILED, with rolloutStateReason', async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolves(settled(8, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'));
    const { deps } = fakes([]);
    await expect(
      deploy({ resolved, configDir: join(CONFIG, '..'), skipMigrations: true }, deps),
    ).rejects.toThrow(/deployment failed: ECS deployment circuit breaker: tasks failed to start\./);
  });

  it('refuses a dirty working tree unless --allow-dirty', async () => {
    const { deps } = fakes([]);
    const dirty = { ...deps, git: { shortSha: async () => 'abc1234', isDirty: async () => true } };
    await expect(deploy({ resolved, configDir: '.', skipMigrations: true }, dirty)).rejects.toThrow(
      /uncommitted changes.*--allow-dirty/,
    );
  });

  it('without Docker says so and how to deploy an image already pushed', async () => {
    const { deps } = fakes([]);
    const noDocker = { ...deps, images: { ...deps.images, available: async () => false } };
    await expect(deploy({ resolved, configDir: '.', skipMigrations: true }, noDocker)).rejects.toThrow(
      /Docker .* --image-tag <tag>/,
    );
  });

  it('skips the build when the tag is already in ECR', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['abc1234'] }] });
    ecs.on(DescribeServicesCommand).resolves(settled(8));
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'api', image: `${IMAGE}:abc1234` }] },
    });
    const { deps, builds } = fakes([]);
    await deploy({ resolved, configDir: '.', skipMigrations: true }, deps);
    expect(builds).toHaveLength(0);
  });

  it('missing credentials: a clear message naming what to set, exit 1, no stack trace', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(String(m)));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await main(['node', 'berth', 'deploy', '--env', 'prod', '--config', CONFIG]);
    expect(code).toBe(1);
    const text = errors.join('\n');
    expect(text).toMatch(
      /No AWS credentials found for us-east-1\. Set AWS_PROFILE .* AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(text).not.toMatch(/\n\s+at /);
  });
});

/** The service mid-canary: two deployments, the new one IN_PROGRESS. */
function shifting(): DescribeServicesCommandOutput {
  const out = settled(8, 'IN_PROGRESS');
  const service = out.services![0]!;
  return {
    ...out,
    services: [
      {
        ...service,
        deployments: [
          ...service.deployments!,
          {
            status: 'ACTIVE',
            taskDefinition: td(7),
            rolloutState: 'COMPLETED',
            runningCount: 3,
            desiredCount: 3,
          },
        ],
      },
    ],
  };
}

const DEPLOYMENT =
  'arn:aws:ecs:us-east-1:222222222222:service-deployment/talent-prod-Cluster/talent-prod-api/d1';
const phase = (p: Partial<ServiceDeployment>) => ({
  serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, ...p }],
});

describe('berth deploy: canary (talent prod)', () => {
  beforeEach(() => {
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, createdAt: new Date() }],
    });
  });

  it('shows each phase — shifting, baking, complete — and succeeds', async () => {
    // GIVEN ECS shifts the canary, bakes, then completes on the new revision
    ecs.on(DescribeServicesCommand).resolvesOnce(shifting()).resolvesOnce(shifting()).resolves(settled(8));
    ecs
      .on(DescribeServiceDeploymentsCommand)
      .resolvesOnce(phase({ status: 'IN_PROGRESS', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }))
      .resolvesOnce(phase({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' }))
      .resolves(phase({ status: 'SUCCESSFUL' }));
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'api', image: `${IMAGE}:abc1234` }] },
    });
    const lines: string[] = [];
    const { deps } = fakes(lines);
    // WHEN
    const report = await deploy({ resolved, configDir: '.', skipMigrations: true }, deps);
    // THEN the phases were shown in order, and the outcome says it completed
    const text = lines.join('\n');
    expect(text).toMatch(/api: shifting production traffic[\s\S]*api: baking[\s\S]*api: complete/);
    expect(report.services).toEqual([expect.objectContaining({ name: 'api', ok: true, phase: 'complete' })]);
    // and it asked about deployments of this service only, created since this deploy began
    const list = ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input;
    expect(list).toMatchObject({ cluster: CLUSTER, service: SERVICE });
    expect(list.createdAt?.after).toBeInstanceOf(Date);
  });

  it('fails naming the alarm when ECS rolled the canary back', async () => {
    // GIVEN the canary served 5xx: ECS rolled back to revision 7 because of the service's 5xx-rate alarm
    ecs.on(DescribeServicesCommand).resolvesOnce(shifting()).resolves(settled(7));
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
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { containerDefinitions: [{ name: 'api', image: `${IMAGE}:0ld7a9` }] },
    });
    const lines: string[] = [];
    const { deps } = fakes(lines);
    // WHEN / THEN
    const err = await deploy({ resolved, configDir: '.', skipMigrations: true }, deps).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toMatch(/api: rolled back by alarm talent-prod-api-deploy-5xx-rate/);
    expect(lines.join('\n')).toMatch(/api: rolled back by alarm talent-prod-api-deploy-5xx-rate/);
  });
});

describe('berth deploy: imagesFrom (tekalo prod runs the image built in dev)', () => {
  const tekaloProd = resolve(tekalo, 'prod');

  it('promotes the replicated image by its digest and never builds', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: 'sha256:feed', imageTags: ['abc1234'] }] });
    ecs.on(DescribeServicesCommand).resolves(settled(8));
    const lines: string[] = [];
    const { deps, builds } = fakes(lines);
    const noDocker = { ...deps, images: { ...deps.images, available: async () => false } };
    const report = await deploy({ resolved: tekaloProd, configDir: '.', skipMigrations: true }, noDocker);
    expect(builds).toHaveLength(0);
    expect(report.promoted).toEqual({ api: 'sha256:feed' });
    expect(lines.join('\n')).toMatch(/api: promoting tekalo\/api:abc1234 \(sha256:feed\) from dev/);
  });

  it('says what to do when the source environment has not shipped that commit', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
    // Not replicated here, and dev's registry does not hold it either (BatchGetImage reports it as a failure).
    ecr.on(BatchGetImageCommand).resolves({
      images: [],
      failures: [{ failureCode: 'ImageNotFound', imageId: { imageTag: 'abc1234' } }],
    });
    const { deps, builds } = fakes([]);
    await expect(
      deploy({ resolved: tekaloProd, configDir: '.', skipMigrations: true }, deps),
    ).rejects.toThrow(
      /prod promotes images from dev, and tekalo\/api:abc1234 is not in this environment's registry .*Deploy dev at this commit first/,
    );
    expect(builds).toHaveLength(0);
  });
});
