import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resolve } from '@berthjs/config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import { isAllowed, Registry, TokenResolver, type PolicyDocument, type RegistryProps } from '../src/index';
import { promotionSource } from '../src/constructs/registry';
import { PermissionsProven, type Template as CfnTemplate } from '../src/rules/index';
import { isolatedStack, talentResolved, templateOf } from './support';

const services = Object.values(talentResolved('prod').services);

function synth(props: Partial<RegistryProps>) {
  const { stack } = isolatedStack('us-east-1', '222222222222');
  new Registry(stack, 'Registry', { prefix: 'shop', services, imageTag: 'v1', ...props });
  return Template.fromStack(stack);
}

describe('Registry: promotion and replication', () => {
  it('replicates <prefix>/* to each promoted registry and the standby region', () => {
    const t = synth({
      replicateTo: [{ region: 'us-east-1', account: '333333333333' }, { region: 'us-west-2' }],
    });
    t.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [
          {
            Destinations: [
              { Region: 'us-east-1', RegistryId: '333333333333' },
              { Region: 'us-west-2', RegistryId: '222222222222' },
            ],
            RepositoryFilters: [{ Filter: 'shop/', FilterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
  });
  it('admits exactly the source account to replicate into <prefix>/*', () => {
    const t = synth({ acceptReplicationFrom: '111111111111' });
    t.hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Statement: [
          Match.objectLike({
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::111111111111:root'])] } },
            Resource: {
              'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':repository/shop/\\*$')])],
            },
          }),
        ],
      },
    });
  });
  it('imports the repositories another environment of the account and region owns', () => {
    const t = synth({ mode: 'import' });
    t.resourceCountIs('AWS::ECR::Repository', 0);
  });
  it('does not replicate when nothing is built here', () => {
    const external = services.map((s) => ({
      ...s,
      image: { kind: 'external' as const, uri: 'ghcr.io/o/a:1' },
    }));
    const { stack } = isolatedStack();
    new Registry(stack, 'Registry', {
      prefix: 'shop',
      services: external,
      imageTag: 'v1',
      replicateTo: [{ region: 'us-west-2' }],
    });
    Template.fromStack(stack).resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
  });
  it('refuses an image for a service it has no repository for', () => {
    const { stack } = isolatedStack();
    const registry = new Registry(stack, 'Registry', { prefix: 'shop', services: [], imageTag: 'v1' });
    expect(() => registry.imageFor(services[0]!)).toThrow(/Registry: no repository for service 'api'/);
  });
});

describe('Registry: promotion from an empty prod account (tekalo)', () => {
  const dev = resolve(tekalo, 'dev');
  const prod = resolve(tekalo, 'prod');
  const devTemplate = templateOf(dev).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const repo = Object.values(devTemplate.Resources).find((r) => r.Type === 'AWS::ECR::Repository')!;
  const policy = new TokenResolver(devTemplate as never, {
    account: '111111111111',
    region: 'us-east-1',
  }).deep(repo.Properties.RepositoryPolicyText) as PolicyDocument;
  const ask = (account: string, action: string) =>
    isAllowed(
      [{ name: 'tekalo/api', document: policy }],
      action,
      'arn:aws:ecr:us-east-1:111111111111:repository/tekalo/api',
      {},
      { aws: `arn:aws:iam::${account}:root` },
    ).allowed;

  it("dev's repository lets prod's account read (pull) an image, nothing more and nobody else", () => {
    expect(repo.Properties.RepositoryName).toBe('tekalo/api');
    for (const action of [
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
      'ecr:BatchCheckLayerAvailability',
    ])
      expect(ask('222222222222', action), action).toBe(true);
    for (const action of [
      'ecr:PutImage',
      'ecr:InitiateLayerUpload',
      'ecr:BatchDeleteImage',
      'ecr:SetRepositoryPolicy',
    ])
      expect(ask('222222222222', action), action).toBe(false);
    expect(ask('333333333333', 'ecr:BatchGetImage')).toBe(false);
  });

  it('staging (same account as dev) and prod own no pull grant; prod admits dev to replicate', () => {
    const prodTemplate = templateOf(prod);
    for (const r of Object.values(
      prodTemplate.findResources('AWS::ECR::Repository') as Record<
        string,
        { Properties: Record<string, unknown> }
      >,
    ))
      expect(r.Properties.RepositoryPolicyText).toBeUndefined();
    prodTemplate.resourceCountIs('AWS::ECR::RegistryPolicy', 1);
    templateOf(resolve(tekalo, 'staging')).resourceCountIs('AWS::ECR::Repository', 0);
  });

  it('names the registry a promoted environment copies from, and none when the registry is shared', () => {
    expect(promotionSource(prod)).toEqual({
      account: '111111111111',
      region: 'us-east-1',
      repositoryNames: ['tekalo/api'],
    });
    expect(promotionSource(dev)).toBeUndefined();
    expect(promotionSource({ ...prod, account: '111111111111' })).toBeUndefined();
    expect(promotionSource({ ...prod, region: 'eu-west-1' })?.region).toBe('us-east-1');
  });
});

describe("the promoted deployer's copy of an image, proven by Berth-PermissionsProven", () => {
  // tekalo with a GitHub deployer role in each environment (the seed deploys by hand and has none).
  const prod = resolve({ ...tekalo, github: { repository: 'tekalo/api' } }, 'prod');
  const template = templateOf(prod).toJSON() as CfnTemplate & {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };

  it('models the copy calls on both registries and allows exactly those', () => {
    expect(PermissionsProven.check({ template, resolved: prod })).toEqual([]);
    const stripped = structuredClone(template);
    for (const r of Object.values(stripped.Resources))
      if (r.Type === 'AWS::IAM::Policy') {
        const doc = r.Properties.PolicyDocument as { Statement: { Sid?: string }[] };
        doc.Statement = doc.Statement.filter((st) => !st.Sid?.startsWith('Promotion'));
      }
    const found = PermissionsProven.check({ template: stripped, resolved: prod }).map((v) => v.message);
    expect(found).toEqual(
      [
        'ecr:BatchGetImage on arn:aws:ecr:us-east-1:111111111111:repository/tekalo/api',
        'ecr:GetDownloadUrlForLayer on arn:aws:ecr:us-east-1:111111111111:repository/tekalo/api',
        'ecr:BatchCheckLayerAvailability on arn:aws:ecr:us-east-1:222222222222:repository/tekalo/api',
        'ecr:InitiateLayerUpload on arn:aws:ecr:us-east-1:222222222222:repository/tekalo/api',
        'ecr:UploadLayerPart on arn:aws:ecr:us-east-1:222222222222:repository/tekalo/api',
        'ecr:CompleteLayerUpload on arn:aws:ecr:us-east-1:222222222222:repository/tekalo/api',
        'ecr:PutImage on arn:aws:ecr:us-east-1:222222222222:repository/tekalo/api',
      ].map((call) =>
        expect.stringContaining(`deployer may not ${call} (berth deploy copies tekalo/api's image`),
      ),
    );
  });
});
