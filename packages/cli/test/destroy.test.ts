import {
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { register } from '../src/commands/destroy';
import { destroy } from '../src/ops/destroy';
import { CONFIG, day2Runtime, deployed, mocks, programWith } from './support/day2';

const dev = resolve(
  { ...talent, services: { api: { ...talent.services.api, secrets: { STRIPE_KEY: 'talent/stripe' } } } },
  'dev',
);
const staging = resolve(talent, 'staging');
const prod = resolve(talent, 'prod');
const gone = () => new Error('Stack with id talent-dev does not exist');

/** The app stack exists (no certificate or standby stack), with a template and its resources. */
function stack(name: string, template: object, deleteStatuses: string[] = ['DELETE_IN_PROGRESS']) {
  deployed();
  mocks.cfn.on(DescribeStacksCommand).rejects(gone());
  const describe = mocks.cfn.on(DescribeStacksCommand, { StackName: name });
  let chain = describe.resolvesOnce({
    Stacks: [{ StackName: name, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
  });
  for (const status of deleteStatuses)
    chain = chain.resolvesOnce({
      Stacks: [{ StackName: name, StackStatus: status as never, CreationTime: new Date() }],
    });
  chain.rejects(gone());
  mocks.cfn.on(GetTemplateCommand, { StackName: name }).resolves({ TemplateBody: JSON.stringify(template) });
  mocks.cfn.on(ListStackResourcesCommand, { StackName: name }).resolves({
    StackResourceSummaries: Object.keys((template as { Resources: object }).Resources).map((id) => ({
      LogicalResourceId: id,
      PhysicalResourceId: `${id.toLowerCase()}-phys`,
      ResourceType: 'x',
      ResourceStatus: 'UPDATE_COMPLETE' as const,
      LastUpdatedTimestamp: new Date(),
    })),
  });
  mocks.cfn.on(DeleteStackCommand).resolves({});
  mocks.secrets
    .on(DescribeSecretCommand)
    .resolves({ ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:talent/stripe-AbCdEf' });
}

const TEMPLATE = {
  Resources: {
    Cluster: { Type: 'AWS::ECS::Cluster' },
    DatabaseCluster: {
      Type: 'AWS::RDS::DBCluster',
      DeletionPolicy: 'Snapshot',
      Properties: { DeletionProtection: false },
    },
    Bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
    Repository: { Type: 'AWS::ECR::Repository', DeletionPolicy: 'RetainExceptOnCreate' },
  },
};

beforeEach(() => stack('talent-dev', TEMPLATE));

describe('berth destroy', () => {
  it('shows what goes and what is kept, deletes the stack and waits until it is gone', async () => {
    const rt = day2Runtime();
    const result = await destroy({ resolved: dev, yes: true }, rt);
    expect(result.deleted).toEqual(['talent-dev']);
    expect(rt.captured.out).toEqual([
      'talent-dev (us-east-1): 4 resources deleted, except:',
      '  deleted after a final snapshot (the snapshot stays and bills): AWS::RDS::DBCluster databasecluster-phys',
      '  retained (stays and bills): AWS::S3::Bucket bucket-phys',
      '  retained (stays and bills): AWS::ECR::Repository repository-phys',
      'Secret talent/stripe is not part of the stacks and stays ($0.40/month): berth secrets rm talent/stripe --env dev',
      'Destroyed. Still there (delete them yourself when you no longer need them): AWS::RDS::DBCluster databasecluster-phys, AWS::S3::Bucket bucket-phys, AWS::ECR::Repository repository-phys',
    ]);
    expect(mocks.cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName)).toEqual([
      'talent-dev',
    ]);
    expect(rt.captured.progress).toEqual([
      'talent-dev: deleting',
      'talent-dev: DELETE_IN_PROGRESS',
      'talent-dev: deleted',
    ]);
    // The certificate and standby stacks were looked for and are not there.
    expect(
      mocks.cfn.commandCalls(DescribeStacksCommand, { StackName: 'talent-dev-certificate' }),
    ).toHaveLength(1);
  });

  it('--dry-run deletes nothing', async () => {
    await destroy({ resolved: dev, dryRun: true }, day2Runtime());
    expect(mocks.cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('asks for the stage name unless --yes, and stops on another answer', async () => {
    const asked: string[] = [];
    await expect(
      destroy({ resolved: dev, ask: async (q) => (asked.push(q), 'prod') }, day2Runtime()),
    ).rejects.toThrow('Not destroyed (pass --yes to skip the question).');
    expect(asked).toEqual(['Type dev to delete these stacks: ']);
    expect(mocks.cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('refuses prod unless asked by name, before any AWS call', async () => {
    const rt = day2Runtime();
    await expect(
      programWith(register, rt).parseAsync([
        'node',
        'berth',
        'destroy',
        '--env',
        'prod',
        '--yes',
        '--config',
        CONFIG,
      ]),
    ).rejects.toThrow(
      'prod is a prod environment: berth destroy deletes it only when asked by name, with --confirm prod.',
    );
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('refuses while deletion protection is on, saying how to turn it off', async () => {
    stack('talent-prod', {
      Resources: {
        LoadBalancer: {
          Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
          Properties: { LoadBalancerAttributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] },
        },
        Db: {
          Type: 'AWS::RDS::DBCluster',
          DeletionPolicy: 'Retain',
          Properties: { DeletionProtection: true },
        },
      },
    });
    await expect(destroy({ resolved: prod, confirm: 'prod' }, day2Runtime())).rejects.toThrow(
      /Deletion protection is on for LoadBalancer \(AWS::ElasticLoadBalancingV2::LoadBalancer\), Db \(AWS::RDS::DBCluster\): .*Set deletionProtection: false for prod .*berth deploy --env prod/,
    );
    expect(mocks.cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('names the resources that failed to delete', async () => {
    stack('talent-staging', TEMPLATE, ['DELETE_IN_PROGRESS', 'DELETE_FAILED']);
    mocks.cfn.on(ListStackResourcesCommand, { StackName: 'talent-staging' }).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'Bucket',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'The bucket you tried to delete is not empty',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    await expect(destroy({ resolved: staging, yes: true }, day2Runtime())).rejects.toThrow(
      'talent-staging: DELETE_FAILED. Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty. Fix it and run berth destroy again.',
    );
  });

  it('says so when nothing is deployed', async () => {
    mocks.cfn.reset();
    mocks.cfn.on(DescribeStacksCommand).rejects(gone());
    await expect(destroy({ resolved: dev, yes: true }, day2Runtime())).rejects.toThrow(
      'No stack of talent dev exists: nothing to destroy.',
    );
  });
});
