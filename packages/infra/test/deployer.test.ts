import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Deployer } from '../src/index';
import { isolatedStack } from './support';

function synth(props: {
  oidcProvider?: 'create' | 'import';
  repositories?: boolean;
  branch?: string;
  repository?: string;
  environment?: string;
}) {
  const { stack, vpc } = isolatedStack();
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { family: 'shop-prod-api' });
  taskDefinition.addContainer('api', { image: ecs.ContainerImage.fromRegistry('nginx') });
  const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
  const repo = new ecr.Repository(stack, 'Repo', { repositoryName: 'shop/api' });
  new Deployer(stack, 'Deployer', {
    repository: props.repository ?? 'org/shop',
    branch: props.branch ?? 'main',
    ...(props.environment !== undefined ? { environment: props.environment } : {}),
    roleName: 'shop-prod-deployer',
    oidcProvider: props.oidcProvider ?? 'create',
    repositories: props.repositories === false ? [] : [repo],
    cluster,
    services: [service],
    taskDefinitions: [taskDefinition],
    logGroups: [],
    cdkRegions: ['us-east-1'],
  });
  return Template.fromStack(stack);
}

const statement = (t: Template, sid: string) => {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as {
    Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } };
  }[];
  for (const p of policies)
    for (const s of p.Properties.PolicyDocument.Statement)
      if (s.Sid === sid) return s as Record<string, unknown>;
  return undefined;
};

describe('Deployer', () => {
  const t = synth({});
  it('creates the GitHub OIDC provider natively (no custom resource), retained when the stack goes', () => {
    t.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    // Other environments' deployer roles trust it: deleting this stack must not delete it. A rolled-back create
    // deletes it, so the retry does not meet a provider that already exists.
    t.hasResource('AWS::IAM::OIDCProvider', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });
  it('trusts exactly one repository and branch', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'shop-prod-deployer',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:org/shop:ref:refs/heads/main',
              },
            },
          }),
        ],
      },
    });
  });
  it('trusts the environment-scoped claim when the deploy job runs in a GitHub environment', () => {
    synth({ environment: 'prod' }).hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'shop-prod-deployer',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:org/shop:environment:prod',
              },
            },
          }),
        ],
      },
    });
  });
  it('refuses an environment wildcard', () => {
    expect(() => synth({ environment: 'pr*' })).toThrow(
      /Deployer: environment "pr\*" is not one GitHub environment name/,
    );
  });
  it('pushes to exactly the app repositories with the actions AWS publishes for a push (seed 004 builder)', () => {
    expect(statement(t, 'EcrAuth')).toMatchObject({ Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    expect(statement(t, 'EcrPush')).toMatchObject({
      Action: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:CompleteLayerUpload',
        'ecr:InitiateLayerUpload',
        'ecr:PutImage',
        'ecr:UploadLayerPart',
      ],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] },
    });
    expect(statement(t, 'EcrDescribe')).toMatchObject({
      Action: ['ecr:DescribeRepositories', 'ecr:DescribeImages'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] },
    });
  });
  it('updates exactly the app services and passes its roles only to ECS tasks (seed 004 updater)', () => {
    expect(statement(t, 'Services')).toMatchObject({
      Action: ['ecs:UpdateService', 'ecs:DescribeServices'],
      Resource: { Ref: expect.stringMatching(/^Service/) },
    });
    expect(statement(t, 'PassTaskRoles')).toMatchObject({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    expect(statement(t, 'OneOffTasks')).toMatchObject({
      Action: 'ecs:RunTask',
      Condition: { ArnEquals: { 'ecs:cluster': expect.anything() } },
    });
    expect(JSON.stringify(statement(t, 'OneOffTasks')!.Resource)).toContain(
      'task-definition/shop-prod-api:*',
    );
  });
  it('assumes only the CDK bootstrap deploy and file-publishing roles', () => {
    const s = statement(t, 'CdkBootstrapRoles')!;
    expect(s.Action).toBe('sts:AssumeRole');
    expect(JSON.stringify(s.Resource)).toMatch(
      /cdk-hnb659fds-deploy-role-.*cdk-hnb659fds-file-publishing-role-/,
    );
  });
  it('imports the provider by ARN where another environment created it, and pushes nothing when promoted', () => {
    const imported = synth({ oidcProvider: 'import', repositories: false });
    imported.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(statement(imported, 'EcrPush')).toBeUndefined();
    expect(JSON.stringify(imported.toJSON())).toContain(':oidc-provider/token.actions.githubusercontent.com');
  });
  it('refuses a repository that is not owner/name', () => {
    expect(() => synth({ repository: 'shop' })).toThrow(/Deployer: repository "shop" is not 'owner\/name'/);
  });
  it('refuses a branch wildcard', () => {
    expect(() => synth({ branch: 'release/*' })).toThrow(
      /Deployer: branch "release\/\*" is not one branch name/,
    );
  });
});
