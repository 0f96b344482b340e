import { beforeAll, describe, expect, it } from 'vitest';
import * as elbSdk from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { Template } from 'aws-cdk-lib/assertions';
import { resolve } from '@berthjs/config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import oky from '../../../examples/seeds/oky/berth.config';
import {
  allStacks,
  buildApp,
  needsImportExistingResources,
  refusedChanges,
  refusedTemplateChanges,
  retainedNamedResources,
} from '../src/index';
import { PRODUCTION_RULE_HANDLER_SOURCE } from '../src/constructs/production-rule';
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

describe('a later edit of the production listener rule never resets the weights ECS shifted (aws-cdk#36649)', () => {
  it('the rule ECS shifts is not a plain ListenerRule with fixed weights but one CloudFormation creates once', () => {
    const plain = resources(talentProd, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(JSON.stringify(plain)).not.toMatch(/"Weight"/);
    const [[id, rule]] = resources(talentProd, 'Custom::ProductionListenerRule') as [[string, Resource]];
    expect(rule.Properties).toMatchObject({
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
    });
    const [[, service]] = resources(talentProd, 'AWS::ECS::Service') as [[string, Resource]];
    expect(JSON.stringify(service.Properties!.LoadBalancers)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [id, 'RuleArn'] }),
    );
  });

  // The function, run against a fake Elastic Load Balancing API.
  type Call = [string, Record<string, unknown>];
  const run = async (
    event: Record<string, unknown>,
    answers: Record<string, (input: Record<string, unknown>) => unknown>,
    realSdk?: unknown,
  ) => {
    const calls: Call[] = [];
    const replies: Record<string, unknown>[] = [];
    const sdk = new Proxy(
      {
        ElasticLoadBalancingV2Client: class {
          send(c: { name: string; input: Record<string, unknown> }) {
            calls.push([c.name, c.input]);
            return Promise.resolve(answers[c.name]?.(c.input) ?? {});
          }
        },
      } as Record<string, unknown>,
      {
        get: (t, k: string) =>
          k in t
            ? t[k]
            : class {
                name = k.replace(/Command$/, '');
                constructor(public input: Record<string, unknown>) {}
              },
      },
    );
    const https = {
      request: (_: unknown, done: (r: { resume(): void; on(e: string, f: () => void): void }) => void) => ({
        on: () => undefined,
        end: (body: string) => {
          replies.push(JSON.parse(body) as Record<string, unknown>);
          done({ resume: () => undefined, on: (_e, f) => f() });
        },
      }),
    };
    const module = { exports: {} as { handler: (e: unknown) => Promise<void> } };
    new Function('require', 'exports', PRODUCTION_RULE_HANDLER_SOURCE)(
      (m: string) => (m === 'https' ? https : (realSdk ?? sdk)),
      module.exports,
    );
    await module.exports.handler({
      ResponseURL: 'https://cloudformation-custom-resource-response.example/x?sig=1',
      StackId: 'stack',
      RequestId: 'req',
      LogicalResourceId: 'Rule',
      ...event,
    });
    return { calls, reply: replies[0]! };
  };
  const listener = 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/alb/1/2';
  const blue = 'arn:tg/blue';
  const green = 'arn:tg/green';
  const props = (priority: number, hosts: string[]) => ({
    ListenerArn: listener,
    Priority: String(priority),
    Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: hosts } }],
    TargetGroups: [blue, green],
  });
  const shifted = {
    RuleArn: 'arn:rule/1',
    Priority: '10',
    Actions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: blue, Weight: 0 },
            { TargetGroupArn: green, Weight: 100 },
          ],
        },
      },
    ],
  };

  it('creates the rule 100/0', async () => {
    const { calls, reply } = await run(
      { RequestType: 'Create', ResourceProperties: props(10, ['api.example.com']) },
      { CreateRule: () => ({ Rules: [{ RuleArn: 'arn:rule/1' }] }), DescribeRules: () => ({ Rules: [] }) },
    );
    expect(calls.find(([c]) => c === 'CreateRule')![1]).toMatchObject({
      Priority: 10,
      Actions: [
        {
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 100 },
              { TargetGroupArn: green, Weight: 0 },
            ],
          },
        },
      ],
    });
    expect(reply).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'arn:rule/1',
      Data: { RuleArn: 'arn:rule/1' },
    });
  });
  it('edits hosts and priority after ECS shifted to green without touching the weights', async () => {
    const { calls, reply } = await run(
      {
        RequestType: 'Update',
        PhysicalResourceId: 'arn:rule/1',
        ResourceProperties: props(20, ['api.example.com', 'www.example.com']),
        OldResourceProperties: props(10, ['api.example.com']),
      },
      { DescribeRules: () => ({ Rules: [shifted] }) },
    );
    expect(calls.map(([c]) => c)).toEqual(['DescribeRules', 'ModifyRule', 'SetRulePriorities']);
    expect(calls[1]![1]).toEqual({
      RuleArn: 'arn:rule/1',
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com', 'www.example.com'] } },
      ],
    });
    expect(calls[2]![1]).toEqual({ RulePriorities: [{ RuleArn: 'arn:rule/1', Priority: 20 }] });
    expect(reply).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'arn:rule/1' });
  });
  it("takes over a plain rule's live weights one priority ahead (a stack deployed before this)", async () => {
    const { calls } = await run(
      { RequestType: 'Create', ResourceProperties: props(10, ['api.example.com']) },
      {
        DescribeRules: () => ({ Rules: [shifted] }),
        CreateRule: () => ({ Rules: [{ RuleArn: 'arn:rule/2' }] }),
      },
    );
    expect(calls.find(([c]) => c === 'CreateRule')![1]).toMatchObject({
      Priority: 9,
      Actions: [
        {
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 0 },
              { TargetGroupArn: green, Weight: 100 },
            ],
          },
        },
      ],
    });
  });
  it('calls the commands the AWS SDK v3 client has, with the inputs it sends', async () => {
    const elb = mockClient(ElasticLoadBalancingV2Client);
    try {
      elb.on(DescribeRulesCommand).resolves({ Rules: [shifted as never] });
      const { reply } = await run(
        {
          RequestType: 'Update',
          PhysicalResourceId: 'arn:rule/1',
          ResourceProperties: props(10, ['www.example.com']),
          OldResourceProperties: props(10, ['api.example.com']),
        },
        {},
        elbSdk,
      );
      expect(reply).toMatchObject({ Status: 'SUCCESS' });
      expect(elb.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input)).toEqual([
        {
          RuleArn: 'arn:rule/1',
          Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['www.example.com'] } }],
        },
      ]);
      expect(elb.commandCalls(SetRulePrioritiesCommand)).toHaveLength(0);
    } finally {
      elb.restore();
    }
  });
  it('deletes the rule with the stack, and reports a failure to CloudFormation', async () => {
    const deleted = await run(
      { RequestType: 'Delete', PhysicalResourceId: 'arn:rule/1', ResourceProperties: props(10, []) },
      {},
    );
    expect(deleted.calls).toEqual([['DeleteRule', { RuleArn: 'arn:rule/1' }]]);
    const failed = await run(
      { RequestType: 'Create', ResourceProperties: props(10, ['a.example.com']) },
      {
        DescribeRules: () => {
          throw new Error('AccessDenied');
        },
      },
    );
    expect(failed.reply).toMatchObject({ Status: 'FAILED', Reason: 'AccessDenied' });
  });
});

describe('a cross-region value that changes arrives under a new key', () => {
  // The CDK's export writer writes only new keys on an update: a changed value under the same key would stay stale.
  const certificateKey = (domain: string) => {
    const config = { ...(oky as object), edge: { ...(oky as { edge: object }).edge, domain } } as typeof oky;
    const app = buildApp(resolve(config, 'prod'));
    const appStack = allStacks(app).find((s) => s.stackName === 'oky-prod')!;
    const keys = JSON.stringify(Template.fromStack(appStack).toJSON()).match(
      /\/cdk\/exports\/[^"}\\]*Certificate[^"}\\]*/g,
    );
    return [...new Set(keys)];
  };
  it("the CloudFront certificate's ARN moves to another key when edge.domain changes", () => {
    const [before] = certificateKey('okyapp.info');
    const [after] = certificateKey('oky.example.org');
    expect(before).toMatch(/^\/cdk\/exports\/oky-prod\/.*CertificateArn[0-9A-F]{8}Value/);
    expect(after).not.toBe(before);
    expect(certificateKey('okyapp.info')).toEqual([before]);
  });
});
