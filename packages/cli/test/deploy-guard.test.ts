import {
  DescribeStackResourcesCommand,
  GetTemplateCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolve } from '@berthjs/config';
import { CliError } from '@berthjs/config/load';
import talent from '../../../examples/talent/berth.config';
import { main } from '../src/main';
import { deploy, type DeployDeps, type DeployOptions } from '../src/ops/deploy';
import type { StackTemplate } from '../src/ops/diff';
import { synthTemplates } from '../src/ops/templates';
import { progressIoHost, type StackDeployment } from '../src/ops/toolkit';
import { fullDiff } from '@aws-cdk/cloudformation-diff';
import {
  ACCOUNT,
  cfn,
  ecs,
  logs,
  opsRuntime,
  resetTalentEcs,
  stackResources,
  taskEnds,
  tdArn,
} from './support/talent-ecs';

const resolved = resolve(talent, 'prod');
const renamed = resolve({ ...talent, database: { ...talent.database!, name: 'talent2' } }, 'prod');
const IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/talent/api`;
const JOB_FAMILY = 'talent-prod-job-send-reminders';

const ecr = mockClient(ECRClient);

let deployed: StackTemplate[];
let withRename: StackTemplate[];
beforeAll(async () => {
  // The real templates: what is deployed (talent prod as it is) and the config with the database renamed.
  [deployed, withRename] = await Promise.all([synthTemplates(resolved), synthTemplates(renamed)]);
}, 120_000);

interface Harness {
  deps: DeployDeps;
  lines: string[];
  builds: number;
  deployments: StackDeployment[];
  /** RunTask calls made before the stack update started. */
  runTasksBeforeStackUpdate: number[];
}

function harness(head: readonly StackTemplate[], extra: Partial<DeployDeps> = {}): Harness {
  const h: Harness = {
    deps: undefined as never,
    lines: [],
    builds: 0,
    deployments: [],
    runTasksBeforeStackUpdate: [],
  };
  h.deps = {
    rt: opsRuntime((l) => h.lines.push(l)),
    images: { available: async () => true, buildAndPush: async () => void h.builds++ },
    toolkit: {
      deploy: async (d) => {
        h.runTasksBeforeStackUpdate.push(ecs.commandCalls(RunTaskCommand).length);
        h.deployments.push(d);
        return { stacks: ['talent-prod'] };
      },
    },
    git: { shortSha: async () => 'abc1234', isDirty: async () => false },
    synth: async () => head,
    ...extra,
  };
  return h;
}

const run = (h: Harness, options: Partial<DeployOptions> = {}) =>
  deploy({ resolved, configDir: '.', ...options }, h.deps).catch((e: unknown) => e as CliError);

beforeEach(() => {
  resetTalentEcs(
    {
      serviceName: 'talent-prod-api',
      taskDefinition: tdArn('talent-prod-api', 8),
      runningCount: 3,
      desiredCount: 3,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
      deployments: [
        {
          status: 'PRIMARY',
          taskDefinition: tdArn('talent-prod-api', 8),
          rolloutState: 'COMPLETED',
          runningCount: 3,
          desiredCount: 3,
        },
      ],
    },
    // Every task definition runs the new tag once deployed…
    {
      taskDefinitionArn: tdArn('talent-prod-api', 8),
      containerDefinitions: [{ name: 'api', image: `${IMAGE}:abc1234` }],
    },
  );
  ecr.reset();
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'talent/api' }] });
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['abc1234'] }] });
  ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] });
  // CloudFormation holds the template as deployed before this change
  cfn.on(GetTemplateCommand).callsFake(() => ({ TemplateBody: JSON.stringify(deployed[0]!.template) }));
  // …but before the deploy, the migration's task definition (the job's) still has the old image
  ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: JOB_FAMILY }).resolves({
    taskDefinition: {
      taskDefinitionArn: tdArn(JOB_FAMILY, 4),
      family: JOB_FAMILY,
      taskRoleArn: 'arn:aws:iam::222222222222:role/task',
      executionRoleArn: 'arn:aws:iam::222222222222:role/exec',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: 'api', image: `${IMAGE}:0ld7a9`, command: ['node', 'dist/job.js', 'send-reminders'] },
      ],
    },
  });
  ecs
    .on(RegisterTaskDefinitionCommand)
    .resolves({ taskDefinition: { taskDefinitionArn: tdArn(JOB_FAMILY, 5) } });
  taskEnds(0);
  logs.on(GetLogEventsCommand).resolves({ events: [] });
});

describe('berth deploy: the guard (diff against the deployed stack first)', () => {
  it('refuses the database replacement without --allow-replace: exit 4, names the resource and the flag, changes nothing', async () => {
    const h = harness(withRename);
    const err = await run(h, { approve: true, skipMigrations: true });
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(4);
    expect((err as CliError).message).toMatch(/replace AWS::RDS::DBCluster DatabaseCluster in talent-prod/);
    expect((err as CliError).message).toMatch(/--allow-replace DatabaseCluster/);
    // it asked CloudFormation for the deployed template, and stopped before building, migrating or deploying
    expect(cfn.commandCalls(GetTemplateCommand)[0]!.args[0].input).toMatchObject({
      StackName: 'talent-prod',
    });
    expect(h.builds).toBe(0);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(h.deployments).toHaveLength(0);
    expect(h.lines.join('\n')).toMatch(/! REPLACE\s+AWS::RDS::DBCluster DatabaseCluster: DatabaseName/);
  }, 60_000);

  it('proceeds when every destructive change is named with --allow-replace, and tells the toolkit the same', async () => {
    const h = harness(withRename);
    const refused = (await run(h, { approve: true, skipMigrations: true })) as CliError;
    const named = [...refused.message.matchAll(/--allow-replace (\S+)/g)].map((m) => m[1]!);
    expect(named).toContain('DatabaseCluster');
    const report = await run(h, { approve: true, skipMigrations: true, allowReplace: named });
    expect(report).not.toBeInstanceOf(Error);
    // talent's ECR repositories and WAF log group are named and retained: the change set may adopt ones that exist
    expect(h.deployments).toEqual([expect.objectContaining({ allowReplace: named, importExisting: true })]);
  }, 60_000);

  it('without a terminal and without --yes, refuses other changes naming --yes (exit 3); a "y" at the prompt deploys', async () => {
    const schedule = structuredClone(deployed);
    const resources = schedule[0]!.template.Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const job = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')!;
    job.Properties.ScheduleExpression = 'cron(0 10 * * ? *)';
    const ci = harness(schedule);
    const err = await run(ci, { skipMigrations: true });
    expect((err as CliError).exitCode).toBe(3);
    expect((err as CliError).message).toMatch(/without approval: there is no terminal .* pass --yes/);
    expect(ci.deployments).toHaveLength(0);

    const questions: string[] = [];
    const no = harness(schedule, { confirm: async (q) => (questions.push(q), false) });
    expect(((await run(no, { skipMigrations: true })) as CliError).message).toMatch(/cancelled/);
    expect(no.deployments).toHaveLength(0);
    expect(questions[0]).toMatch(/Deploy these 1 changes\? \[y\/N\]/);

    const yes = harness(schedule, { confirm: async () => true });
    await run(yes, { skipMigrations: true });
    expect(yes.deployments).toHaveLength(1);
  }, 60_000);

  it("a stack whose template the role may not read is left out, said, and left to the toolkit's check", async () => {
    const standby = {
      stackName: 'talent-prod-standby',
      region: 'us-west-2',
      template: deployed[0]!.template,
    };
    cfn.on(GetTemplateCommand, { StackName: 'talent-prod-standby' }).rejects(
      Object.assign(new Error('not authorized to perform: cloudformation:GetTemplate'), {
        name: 'AccessDenied',
      }),
    );
    const h = harness([...deployed, standby]);
    const report = await run(h, { skipMigrations: true });
    expect(report).not.toBeInstanceOf(Error);
    expect(h.lines.join('\n')).toMatch(
      /talent-prod-standby \(us-west-2\): these credentials may not read its deployed template/,
    );
    expect(h.deployments).toHaveLength(1);
  }, 60_000);

  it('a code-only deploy (templates unchanged) needs no approval', async () => {
    const h = harness(deployed);
    const report = await run(h, { skipMigrations: true });
    expect(report).not.toBeInstanceOf(Error);
    expect(h.deployments).toHaveLength(1);
  }, 60_000);
});

describe('berth deploy: migrations before new code serves', () => {
  it('registers the migration task definition with the new image and runs it to completion before the stack update', async () => {
    const h = harness(deployed);
    const report = await run(h);
    expect(report).not.toBeInstanceOf(Error);
    // a new revision of the job's family (not the service's: berth rollback never picks it), the new tag
    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
    expect(registered.family).toBe(JOB_FAMILY);
    expect(registered.containerDefinitions?.[0]?.image).toBe(`${IMAGE}:abc1234`);
    expect(registered.taskRoleArn).toBe('arn:aws:iam::222222222222:role/task');
    expect(registered.containerDefinitions?.[0]?.dockerLabels).toEqual({ 'berth.purpose': 'migrate' });
    // RunTask ran that revision with the migrate command, Fargate, in the service's network…
    const runTask = ecs.commandCalls(RunTaskCommand);
    expect(runTask).toHaveLength(1);
    expect(runTask[0]!.args[0].input).toMatchObject({
      taskDefinition: tdArn(JOB_FAMILY, 5),
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      overrides: { containerOverrides: [{ name: 'api', command: ['node', 'dist/job.js', 'migrate'] }] },
    });
    // …before the stack update started
    expect(h.runTasksBeforeStackUpdate).toEqual([1]);
    expect((report as { migration?: unknown }).migration).toEqual({
      taskDefinition: tdArn(JOB_FAMILY, 5),
      exitCode: 0,
    });
  }, 60_000);

  it('the first deploy (no stack yet) migrates right after the stack is created, before waiting for steady state', async () => {
    cfn
      .on(DescribeStackResourcesCommand)
      .rejectsOnce(new Error('Stack with id talent-prod does not exist'))
      .resolves({ StackResources: stackResources('CREATE_COMPLETE') });
    const h = harness(deployed);
    const report = await run(h);
    expect(report).not.toBeInstanceOf(Error);
    expect(h.runTasksBeforeStackUpdate).toEqual([0]);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  }, 60_000);

  it('a failed migration stops the deploy with nothing shifted: no stack update, no service update', async () => {
    taskEnds(3);
    const h = harness(deployed);
    const err = await run(h);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(1);
    expect((err as CliError).message).toMatch(/migrations of abc1234 failed \(exit 3.*Nothing was deployed/);
    expect(h.deployments).toHaveLength(0);
    expect(cfn.commandCalls(UpdateStackCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  }, 60_000);
});

describe('berth diff --env (against the deployed stacks, SDK mocked)', () => {
  const config = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
  const diff = async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main(['node', 'berth', 'diff', '--env', 'prod', '--config', config, '--json']);
    vi.restoreAllMocks();
    return { code, report: JSON.parse(out.join('\n')) as { changes: number; against: string } };
  };

  it('the deployed template is the synthesized one: exit 0; a stack not deployed yet: all additions, exit 3', async () => {
    const same = await diff();
    expect(same.code).toBe(0);
    expect(same.report).toMatchObject({ changes: 0, against: 'deployed (us-east-1)' });
    expect(cfn.commandCalls(GetTemplateCommand)[0]!.args[0].input).toEqual({
      StackName: 'talent-prod',
      TemplateStage: 'Original',
    });
    cfn.on(GetTemplateCommand).rejects(new Error('Stack with id talent-prod does not exist'));
    const fresh = await diff();
    expect(fresh.code).toBe(3);
    expect(fresh.report.changes).toBeGreaterThan(50);
  }, 60_000);
});

describe('berth migrate --image-tag', () => {
  it('runs the migrations with that image (a new revision), not the deployed one, and exits with their code', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const config = join(import.meta.dirname, '../../../examples/talent/berth.config.ts');
    const code = await main([
      'node',
      'berth',
      'migrate',
      '--env',
      'prod',
      '--config',
      config,
      '--image-tag',
      'abc1234',
    ]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(
      ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions?.[0]?.image,
    ).toBe(`${IMAGE}:abc1234`);
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input.taskDefinition).toBe(tdArn(JOB_FAMILY, 5));
  }, 60_000);
});

describe("the toolkit's own confirmation", () => {
  const confirmation = (templateDiffs: object) => ({
    time: new Date(),
    level: 'info' as const,
    action: 'deploy' as const,
    code: 'CDK_TOOLKIT_I5060' as const,
    message: 'Do you wish to deploy these changes?',
    data: { templateDiffs },
    defaultResponse: true,
  });

  it('is no blanket yes: refuses a change set that replaces a stateful resource not allowed, approves the rest', async () => {
    const diff = fullDiff(deployed[0]!.template, withRename[0]!.template);
    const host = progressIoHost(() => {});
    expect(await host.requestResponse(confirmation({ 'talent-prod': diff }) as never)).toBe(false);
    const allowed = progressIoHost(() => {}, diff.resources.logicalIds);
    expect(await allowed.requestResponse(confirmation({ 'talent-prod': diff }) as never)).toBe(true);
    const plain = fullDiff(deployed[0]!.template, deployed[0]!.template);
    expect(await host.requestResponse(confirmation({ 'talent-prod': plain }) as never)).toBe(true);
    // a replaced VPC is refused even when named
    const vpc = (CidrBlock: string) => ({
      Resources: { NetworkVpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock } } },
    });
    const vpcHost = progressIoHost(() => {}, ['NetworkVpc']);
    expect(
      await vpcHost.requestResponse(
        confirmation({ s: fullDiff(vpc('10.0.0.0/16'), vpc('10.1.0.0/16')) }) as never,
      ),
    ).toBe(false);
    // any other question (a stuck stack's rollback…) is answered no
    expect(
      await host.requestResponse({ ...confirmation({}), code: 'CDK_TOOLKIT_I5050', data: {} } as never),
    ).toBe(false);
  }, 60_000);
});
