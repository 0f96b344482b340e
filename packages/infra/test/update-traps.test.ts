import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { resolve } from '@berthjs/config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import {
  needsImportExistingResources,
  refusedChanges,
  refusedTemplateChanges,
  retainedNamedResources,
} from '../src/index';
import { PermissionsProven } from '../src/rules/index';
import { talentResolved, templateOf, withChanges } from './support';

// Templates that create fine and then fail (or hurt) on a later update or a retried first deploy: "Deploys you can
// trust". Each block names the trap it closes.
let talentProd: Template;
let connect2Prod: Template;
beforeAll(() => {
  talentProd = templateOf(talentResolved('prod'));
  connect2Prod = templateOf(resolve(connect2, 'prod'));
});

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];

describe('a major engine upgrade (16.x → 17.x) is an update CloudFormation can apply', () => {
  it('an RDS instance allows the major upgrade its EngineVersion asks for (RDS refuses it otherwise)', () => {
    const [[, instance]] = resources(connect2Prod, 'AWS::RDS::DBInstance').filter(
      ([, r]) => r.Properties?.EngineVersion !== undefined,
    ) as [[string, Resource]];
    expect(instance.Properties).toMatchObject({ EngineVersion: '16.13', AllowMajorVersionUpgrade: true });
  });
  it('an Aurora cluster needs no flag (the DBCluster handler allows the major itself) but must use the default parameter groups of its major', () => {
    const [[, cluster]] = resources(talentProd, 'AWS::RDS::DBCluster') as [[string, Resource]];
    expect(cluster.Properties).not.toHaveProperty('AllowMajorVersionUpgrade');
    expect(cluster.Properties!.DBClusterParameterGroupName).toBe('default.aurora-postgresql17');
    for (const [, i] of resources(talentProd, 'AWS::RDS::DBInstance'))
      expect(i.Properties).not.toHaveProperty('DBParameterGroupName');
  });
});

describe('a failed first deploy can be retried', () => {
  const fixedNameRetained = (t: Template) =>
    Object.entries(
      (t.toJSON() as { Resources: Record<string, Resource> }).Resources as Record<string, Resource>,
    ).filter(
      ([, r]) =>
        ['AWS::ECR::Repository', 'AWS::IAM::OIDCProvider', 'AWS::Logs::LogGroup'].includes(r.Type) &&
        (r.Type === 'AWS::IAM::OIDCProvider' ||
          r.Properties?.RepositoryName !== undefined ||
          String(r.Properties?.LogGroupName ?? '').startsWith('aws-waf-logs-')),
    );
  it('fixed-name resources kept on delete are deleted when the create that made them rolls back', () => {
    const withDeployer = templateOf(
      withChanges(talentResolved('prod'), {
        github: { repository: 'talent/api', oidcProvider: 'create' },
      } as never),
    );
    const found = fixedNameRetained(withDeployer);
    expect(found.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::ECR::Repository',
      'AWS::IAM::OIDCProvider',
      'AWS::Logs::LogGroup',
    ]);
    for (const [id, r] of found) {
      expect([id, r.DeletionPolicy]).toEqual([id, 'RetainExceptOnCreate']);
      expect([id, r.UpdateReplacePolicy]).toEqual([id, 'Retain']);
    }
  });
});

describe('the deployer may push as AWS publishes it', () => {
  it('holds ecr:BatchGetImage on its repositories, which BuildKit calls to check a manifest before it pushes', () => {
    const resolved = withChanges(talentResolved('prod'), {
      github: { repository: 'talent/api', oidcProvider: 'create' },
    } as never);
    const template = templateOf(resolved).toJSON() as Parameters<
      typeof PermissionsProven.check
    >[0]['template'];
    const findings = PermissionsProven.check({ template, resolved, region: resolved.region });
    expect(findings).toEqual([]);
    const deployer = Object.values((template as { Resources: Record<string, Resource> }).Resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r).includes('EcrPush'),
    );
    const push = (
      deployer!.Properties!.PolicyDocument as { Statement: { Sid: string; Action: string[] }[] }
    ).Statement.find((s) => s.Sid === 'EcrPush')!;
    expect(push.Action).toContain('ecr:BatchGetImage');
  });
});

describe('the deployment circuit breaker only where ECS applies it', () => {
  it('is off on a canary service (ECS: "can only be used for services using the rolling update"), whose alarms roll back', () => {
    const [[, service]] = resources(talentProd, 'AWS::ECS::Service') as [[string, Resource]];
    const conf = service.Properties!.DeploymentConfiguration as Record<string, unknown>;
    expect(conf.Strategy).toBe('CANARY');
    expect(conf).not.toHaveProperty('DeploymentCircuitBreaker');
    expect(conf.Alarms).toMatchObject({ Enable: true, Rollback: true });
  });
  it('stays on, with rollback, on a rolling service', () => {
    const dev = templateOf(talentResolved('dev'));
    const [[, service]] = resources(dev, 'AWS::ECS::Service') as [[string, Resource]];
    expect(service.Properties!.DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
  });
});

describe('what the CLI must pass so a retry adopts what a failed deploy kept', () => {
  it('lists the fixed-name resources kept by a deleted stack, and which import-existing-resources can adopt', () => {
    const template = templateOf(
      withChanges(talentResolved('prod'), {
        github: { repository: 'talent/api', oidcProvider: 'create' },
      } as never),
    ).toJSON();
    expect(retainedNamedResources(template).map((r) => [r.type, r.name, r.adoptable])).toEqual(
      expect.arrayContaining([
        ['AWS::ECR::Repository', 'talent/api', true],
        ['AWS::Logs::LogGroup', 'aws-waf-logs-talent-prod', true],
        ['AWS::IAM::OIDCProvider', 'https://token.actions.githubusercontent.com', false],
      ]),
    );
    expect(needsImportExistingResources(template)).toBe(true);
  });
});

describe('a VPC CIDR change is refused before CloudFormation replaces the VPC', () => {
  it('from the deployed and the new template (offline)', () => {
    const prod = talentResolved('prod');
    const moved = templateOf(
      withChanges(prod, { network: { ...prod.network, cidr: '10.8.0.0/16' } }),
    ).toJSON();
    const refused = refusedTemplateChanges(talentProd.toJSON(), moved);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatch(/"10\.0\.0\.0\/16" → "10\.8\.0\.0\/16" replaces the VPC/);
    expect(refused[0]!.reason).toMatch(/fixed for the life of an environment/);
    expect(refusedTemplateChanges(talentProd.toJSON(), talentProd.toJSON())).toEqual([]);
  });
  it("from a change set's entries", () => {
    expect(
      refusedChanges([
        {
          Action: 'Modify',
          LogicalResourceId: 'NetworkVpc',
          ResourceType: 'AWS::EC2::VPC',
          Replacement: 'True',
        },
        { Action: 'Modify', LogicalResourceId: 'DatabaseInstance', ResourceType: 'AWS::RDS::DBInstance' },
      ]).map((r) => r.logicalId),
    ).toEqual(['NetworkVpc']);
    expect(
      refusedChanges([{ Action: 'Modify', ResourceType: 'AWS::EC2::VPC', Replacement: 'False' }]),
    ).toEqual([]);
    // berth diff's own entries
    expect(
      refusedChanges([{ logicalId: 'NetworkVpc', type: 'AWS::EC2::VPC', action: 'replace' }]).map(
        (r) => r.logicalId,
      ),
    ).toEqual(['NetworkVpc']);
  });
});
