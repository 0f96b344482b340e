import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Registry, type RegistryProps } from '../src/index';
import { isolatedStack, talentResolved } from './support';

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
