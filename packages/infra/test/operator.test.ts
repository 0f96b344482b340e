import { beforeAll, describe, expect, it } from 'vitest';
import { resolve, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { PermissionsProven, type Template } from '../src/rules/index';
import { holdersOfTemplate } from '../src/rules/PermissionsProven';
import { templateOf } from './support';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Effect: string };
type Mutable = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

// dev with a bastion: every day-2 command's calls (exec is on in dev, the tunnel needs the bastion).
const dev: ResolvedApp = resolve({ ...talent, bastion: {} }, 'dev');
const prod: ResolvedApp = resolve(talent, 'prod');
let devTemplate: Template;
let prodTemplate: Template;

beforeAll(() => {
  devTemplate = templateOf(dev).toJSON() as Template;
  prodTemplate = templateOf(prod).toJSON() as Template;
});

const operatorPolicy = (t: Template) =>
  Object.entries(t.Resources ?? {}).find(
    ([, r]) =>
      r.Type === 'AWS::IAM::ManagedPolicy' &&
      (r.Properties as { ManagedPolicyName?: string }).ManagedPolicyName?.endsWith('-operator'),
  )!;

function without(template: Template, sid: string): Template {
  const t = structuredClone(template) as unknown as Mutable;
  const [id] = operatorPolicy(template);
  const doc = t.Resources[id]!.Properties.PolicyDocument as { Statement: Statement[] };
  doc.Statement = doc.Statement.filter((s) => s.Sid !== sid);
  return t as unknown as Template;
}

const findings = (template: Template, resolved: ResolvedApp) =>
  PermissionsProven.check({ template, resolved }).map((v) => v.message);

describe('the operator policy (berth status, logs, exec, tunnel)', () => {
  it('is a customer managed policy named <app>-<stage>-operator, output as OperatorPolicyArn', () => {
    const [id, policy] = operatorPolicy(devTemplate);
    expect((policy.Properties as { ManagedPolicyName: string }).ManagedPolicyName).toBe(
      'talent-dev-operator',
    );
    expect(
      (devTemplate as { Outputs: Record<string, { Value: unknown }> }).Outputs.OperatorPolicyArn!.Value,
    ).toEqual({ Ref: id });
  });

  it('allows every call the day-2 commands make: 0 missing permissions in dev (bastion, exec) and prod', () => {
    expect(findings(devTemplate, dev)).toEqual([]);
    expect(findings(prodTemplate, prod)).toEqual([]);
    // prod's api deploys by canary: berth status reads its service deployments.
    const prodCalls = holdersOfTemplate({ template: prodTemplate, resolved: prod }).holders.find(
      (h) => h.kind === 'operator',
    )!.calls;
    expect(prodCalls.map((c) => c.action)).toEqual(
      expect.arrayContaining(['ecs:ListServiceDeployments', 'ecs:DescribeServiceDeployments']),
    );
    expect(findings(without(prodTemplate, 'ServiceDeployments'), prod)).toHaveLength(2);
    const { holders } = holdersOfTemplate({ template: devTemplate, resolved: dev });
    const actions = new Set(holders.find((h) => h.kind === 'operator')!.calls.map((c) => c.action));
    expect([...actions].sort()).toEqual([
      'cloudformation:DescribeStacks',
      'cloudformation:ListStackResources',
      'cloudwatch:DescribeAlarms',
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'ecs:DescribeTasks',
      'ecs:ExecuteCommand',
      'ecs:ListTasks',
      'logs:DescribeLogStreams',
      'logs:FilterLogEvents',
      'rds:DescribeDBClusters',
      'secretsmanager:GetSecretValue',
      'ssm:StartSession',
      'ssm:TerminateSession',
    ]);
  });

  it('grants exec only where a service has it (prod: off), and the tunnel only with a bastion', () => {
    const prodDoc = JSON.stringify(operatorPolicy(prodTemplate)[1]);
    expect(prodDoc).not.toContain('ecs:ExecuteCommand');
    expect(prodDoc).not.toContain('ssm:StartSession');
    expect(prodDoc).not.toContain('secretsmanager:GetSecretValue');
  });

  it('lets berth secrets manage exactly the secrets the config references', () => {
    const withSecrets = resolve(
      {
        ...talent,
        services: { api: { ...talent.services.api, secrets: { STRIPE_KEY: 'talent/stripe:key' } } },
      },
      'staging',
    );
    const t = templateOf(withSecrets).toJSON() as Template;
    const statement = (
      operatorPolicy(t)[1].Properties as { PolicyDocument: { Statement: Statement[] } }
    ).PolicyDocument.Statement.find((s) => s.Sid === 'AppSecrets')!;
    expect(statement.Action).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:CreateSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:DeleteSecret',
      'secretsmanager:TagResource',
    ]);
    expect(JSON.stringify(statement.Resource)).toMatch(/secret:talent\/stripe-\?{6}/);
    expect(findings(t, withSecrets)).toEqual([]);
    expect(findings(without(t, 'AppSecrets'), withSecrets)).toHaveLength(5);
  });

  it('fails naming the call when a statement is missing', () => {
    expect(findings(without(devTemplate, 'Tunnel'), dev)).toEqual([
      expect.stringMatching(
        /^operator policy may not ssm:StartSession on arn:aws:ec2:us-east-1:\d+:instance\/\S+ \(berth tunnel forwards a port through the bastion\)/,
      ),
      expect.stringMatching(
        /^operator policy may not ssm:StartSession on arn:aws:ssm:us-east-1::document\/AWS-StartPortForwardingSessionToRemoteHost/,
      ),
    ]);
    expect(findings(without(devTemplate, 'Logs'), dev).join('\n')).toMatch(
      /may not logs:FilterLogEvents on arn:aws:logs:us-east-1:\d+:log-group:\S+ \(berth logs reads ServiceApiLogGroup\)/,
    );
  });
});
