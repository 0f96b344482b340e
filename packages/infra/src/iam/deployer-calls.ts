import type { ResolvedApp } from '@berthjs/config';
import { promotionSource } from '../constructs/registry';
import { resourcesOfType, type Template } from '../rules/rule';
import type { Call, Holder } from './holders';
import type { TokenResolver } from './tokens';

/** CDK bootstrap roles `berth deploy` assumes through the CDK toolkit (assets, then the CloudFormation deploy). */
export const CDK_BOOTSTRAP_ROLES = ['deploy', 'file-publishing'] as const;

export interface DeployerInput {
  readonly template: Template;
  readonly resolved: ResolvedApp;
  readonly tokens: TokenResolver;
  /** The deployer's IAM role name (`<app>-<stage>-deployer`). */
  readonly roleName: string;
  /** Regions the app's stacks deploy to (the CDK toolkit assumes the bootstrap roles of each). */
  readonly regions: readonly string[];
  /** @default 'hnb659fds' */
  readonly cdkQualifier?: string;
}

/**
 * What `berth deploy | rollback | run-job | migrate` call with the deployer's credentials (packages/cli/src/ops):
 * find the stack (DescribeStackResources), push each built image (ECR auth, describe, layer upload, PutImage), deploy
 * through the CDK bootstrap roles, wait for steady state (DescribeServices, ListTasks, DescribeTasks), roll back
 * (ListTaskDefinitions, DescribeTaskDefinition, UpdateService) and run one-off tasks of a service's task definition
 * (RunTask, PassRole, DescribeTasks, GetLogEvents).
 */
export function deployerHolder(input: DeployerInput): Holder | undefined {
  const { template, resolved, tokens } = input;
  const role = resourcesOfType(template, 'AWS::IAM::Role').find(
    ([, r]) => r.Properties?.RoleName === input.roleName,
  )?.[0];
  if (!role) return undefined;
  const partition = 'aws';
  const { account, region } = resolved;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${account}:${resource}`;
  const calls: Call[] = [];
  const call = (action: string, resource: string, why: string, context?: Call['context']) =>
    calls.push({ action, resource, why, ...(context ? { context } : {}) });

  call(
    'cloudformation:DescribeStackResources',
    tokens.value({ Ref: 'AWS::StackId' }),
    'berth deploy finds the stack',
  );
  call(
    'cloudformation:GetTemplate',
    tokens.value({ Ref: 'AWS::StackId' }),
    'berth diff and the guarded berth deploy compare with the deployed template',
  );
  for (const name of new Set(
    Object.values(resolved.services).flatMap((s) => Object.values(s.secrets).map((x) => x.secretName)),
  ))
    call(
      'secretsmanager:DescribeSecret',
      arn('secretsmanager', `secret:${name}-AbCdEf`),
      `berth deploy checks that the secret ${name} exists before it changes anything`,
    );
  if (resolved.imagesFrom) {
    for (const s of Object.values(resolved.services)) {
      if (s.image.kind !== 'build') continue;
      call(
        'ecr:DescribeImages',
        arn('ecr', `repository/${resolved.app}/${s.name}`),
        `berth deploy finds the digest of ${s.name}'s image replicated from ${resolved.imagesFrom.stage}`,
      );
    }
    // An image replication did not deliver is copied by digest from the source registry (packages/cli/src/ops/promote.ts).
    const source = promotionSource(resolved);
    if (source) {
      const sourceAccount = source.account ?? account;
      for (const name of source.repositoryNames) {
        const here = arn('ecr', `repository/${name}`);
        const there = `arn:${partition}:ecr:${source.region}:${sourceAccount}:repository/${name}`;
        const why = `berth deploy copies ${name}'s image from ${resolved.imagesFrom.stage} when replication has not delivered it`;
        call('ecr:DescribeRepositories', here, why);
        for (const action of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) call(action, there, why);
        for (const action of [
          'ecr:BatchCheckLayerAvailability',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
        ])
          call(action, here, why);
      }
    }
  }
  if (resolved.standby) {
    const standbyRegion = resolved.standby.region;
    call(
      'cloudformation:DescribeStackResources',
      `arn:${partition}:cloudformation:${standbyRegion}:${account}:stack/${resolved.app}-${resolved.stage}-standby/0123`,
      "berth deploy finds the standby's services",
    );
    call(
      'cloudformation:GetTemplate',
      `arn:${partition}:cloudformation:${standbyRegion}:${account}:stack/${resolved.app}-${resolved.stage}-standby/0123`,
      "berth diff and the guarded berth deploy compare with the standby's deployed template",
    );
    call(
      'ecs:DescribeServices',
      `arn:${partition}:ecs:${standbyRegion}:${account}:service/standby-cluster/standby-api`,
      "berth deploy waits for the standby's services",
    );
  }
  if (!resolved.imagesFrom) {
    for (const s of Object.values(resolved.services)) {
      if (s.image.kind !== 'build') continue;
      const repository = arn('ecr', `repository/${resolved.app}/${s.name}`);
      const why = `berth deploy pushes ${s.name}'s image`;
      call('ecr:GetAuthorizationToken', '*', why);
      for (const action of [
        'ecr:DescribeRepositories',
        'ecr:DescribeImages',
        // AWS's published push policy (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html):
        // BuildKit reads the manifest with BatchGetImage before and after it pushes.
        'ecr:BatchGetImage',
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ])
        call(action, repository, why);
    }
  }
  const qualifier = input.cdkQualifier ?? 'hnb659fds';
  for (const r of input.regions)
    for (const kind of CDK_BOOTSTRAP_ROLES)
      call(
        'sts:AssumeRole',
        `arn:${partition}:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${r}`,
        `berth deploy deploys through the CDK bootstrap ${kind} role in ${r}`,
      );

  const clusters = resourcesOfType(template, 'AWS::ECS::Cluster');
  const cluster = clusters[0] ? tokens.value({ 'Fn::GetAtt': [clusters[0][0], 'Arn'] }) : undefined;
  const clusterName = clusters[0] ? tokens.value({ Ref: clusters[0][0] }) : 'cluster';
  const taskArn = arn('ecs', `task/${clusterName}/0123456789abcdef`);
  call('ecs:ListTaskDefinitions', '*', 'berth rollback lists the revisions of a family');
  call('ecs:DescribeTaskDefinition', '*', 'berth rollback and run-job read a task definition');
  call(
    'ecs:RegisterTaskDefinition',
    '*',
    "berth deploy registers the migration's revision with the new image before the stack update",
  );
  if (cluster) call('ecs:ListTasks', '*', 'berth deploy reports stopped tasks', { 'ecs:cluster': cluster });
  call(
    'ecs:DescribeTasks',
    taskArn,
    'berth deploy and run-job follow tasks',
    cluster ? { 'ecs:cluster': cluster } : {},
  );
  for (const [id, service] of resourcesOfType(template, 'AWS::ECS::Service')) {
    const serviceArn = tokens.value({ Ref: id });
    call(
      'ecs:DescribeServices',
      serviceArn,
      'berth deploy waits for steady state',
      cluster ? { 'ecs:cluster': cluster } : {},
    );
    call(
      'ecs:UpdateService',
      serviceArn,
      'berth rollback moves the service to a previous revision',
      cluster ? { 'ecs:cluster': cluster } : {},
    );
    const strategy = (service.Properties?.DeploymentConfiguration as { Strategy?: string } | undefined)
      ?.Strategy;
    if (strategy && strategy !== 'ROLLING') {
      const serviceName = tokens.value({ 'Fn::GetAtt': [id, 'Name'] });
      call(
        'ecs:ListServiceDeployments',
        serviceArn,
        `berth deploy follows the ${strategy} deployment's phases`,
      );
      call(
        'ecs:DescribeServiceDeployments',
        arn('ecs', `service-deployment/${clusterName}/${serviceName}/0123456789`),
        'berth deploy names the alarm that rolled a deployment back',
      );
    }
    const tdId = (service.Properties?.TaskDefinition as { Ref?: string } | undefined)?.Ref;
    const td = tdId ? template.Resources?.[tdId] : undefined;
    if (!td || !cluster) continue;
    call(
      'ecs:RunTask',
      tokens.value({ Ref: tdId }),
      'berth run-job and migrate run the service task definition',
      {
        'ecs:cluster': cluster,
      },
    );
    for (const key of ['TaskRoleArn', 'ExecutionRoleArn'])
      if (td.Properties?.[key])
        call('iam:PassRole', tokens.value(td.Properties[key]), 'berth run-job passes the task roles to ECS', {
          'iam:PassedToService': 'ecs-tasks.amazonaws.com',
        });
    const containers = (td.Properties?.ContainerDefinitions ?? []) as {
      LogConfiguration?: { Options?: Record<string, unknown> };
    }[];
    for (const c of containers) {
      const group = c.LogConfiguration?.Options?.['awslogs-group'];
      if (group)
        call(
          'logs:GetLogEvents',
          arn('logs', `log-group:${tokens.value(group)}:log-stream:x/task`),
          'berth run-job tails the task log',
        );
    }
  }
  return { kind: 'deployer', role, label: 'deployer', calls };
}
