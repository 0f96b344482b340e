import { beforeAll, describe, expect, it } from 'vitest';
import { resolve, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { PermissionsProven, type Template } from '../src/rules/index';
import { talentResolved, templateOf } from './support';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Effect: string };
const SSM_MESSAGES = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

let dev: Template;
let prod: Template;
let prodOptIn: Template;
const prodOptInResolved: ResolvedApp = resolve(
  { ...talent, services: { api: { ...talent.services.api, exec: true } } },
  'prod',
);

beforeAll(() => {
  dev = templateOf(talentResolved('dev')).toJSON() as Template;
  prod = templateOf(talentResolved('prod')).toJSON() as Template;
  prodOptIn = templateOf(prodOptInResolved).toJSON() as Template;
});

const ofType = (t: Template, type: string) =>
  Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === type) as [string, Resource][];

function taskRoleStatements(t: Template): Statement[] {
  return ofType(t, 'AWS::IAM::Policy')
    .filter(([, r]) =>
      (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref.startsWith('ServiceApiTaskRole')),
    )
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function apiContainer(t: Template) {
  const [, td] = ofType(t, 'AWS::ECS::TaskDefinition').find(
    ([, r]) => r.Properties.Family === 'talent-' + stage(t) + '-api',
  )!;
  return { td, container: (td.Properties.ContainerDefinitions as Record<string, unknown>[])[0]! };
}
const stage = (t: Template) => (t === dev ? 'dev' : 'prod');

describe('ECS Exec', () => {
  it('is on in dev by the profile: EnableExecuteCommand, exactly the four ssmmessages calls, nothing for logs', () => {
    const [, service] = ofType(dev, 'AWS::ECS::Service')[0]!;
    expect(service.Properties.EnableExecuteCommand).toBe(true);
    const exec = taskRoleStatements(dev).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('ssmmessages:')),
    );
    expect(exec).toEqual([{ Sid: 'EcsExec', Effect: 'Allow', Action: SSM_MESSAGES, Resource: '*' }]);
    // The CDK's enableExecuteCommand would add CloudWatch Logs actions on `*` to the task role: not used.
    expect(JSON.stringify(taskRoleStatements(dev))).not.toMatch(/logs:/);
  });

  it('keeps the root file system read-only and gives the agent its three writable paths', () => {
    const { td, container } = apiContainer(dev);
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.MountPoints).toEqual(
      expect.arrayContaining([
        { ContainerPath: '/tmp', SourceVolume: 'tmp', ReadOnly: false },
        { ContainerPath: '/managed-agents', SourceVolume: 'exec-managed-agents', ReadOnly: false },
        { ContainerPath: '/var/lib/amazon/ssm', SourceVolume: 'exec-ssm-state', ReadOnly: false },
        { ContainerPath: '/var/log/amazon/ssm', SourceVolume: 'exec-ssm-logs', ReadOnly: false },
      ]),
    );
    expect((td.Properties.Volumes as { Name: string }[]).map((v) => v.Name).sort()).toEqual([
      'exec-managed-agents',
      'exec-ssm-logs',
      'exec-ssm-state',
      'tmp',
    ]);
  });

  it('is off in prod unless the service asks (services.api.exec: true)', () => {
    const [, service] = ofType(prod, 'AWS::ECS::Service')[0]!;
    expect(service.Properties.EnableExecuteCommand).toBeUndefined();
    expect(JSON.stringify(taskRoleStatements(prod))).not.toMatch(/ssmmessages/);
    expect(JSON.stringify(apiContainer(prod).container.MountPoints)).not.toMatch(/managed-agents/);
    expect(talentResolved('prod').services.api!.exec).toBe(false);
    expect(prodOptInResolved.services.api!.exec).toBe(true);
    const [, optIn] = ofType(prodOptIn, 'AWS::ECS::Service')[0]!;
    expect(optIn.Properties.EnableExecuteCommand).toBe(true);
  });

  it('is proven by the permissions rule: without the grant, the four calls are findings', () => {
    const resolved = talentResolved('dev');
    expect(PermissionsProven.check({ template: dev, resolved })).toEqual([]);
    const stripped = structuredClone(dev) as unknown as { Resources: Record<string, Resource> };
    for (const r of Object.values(stripped.Resources))
      if (r.Type === 'AWS::IAM::Policy') {
        const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
        doc.Statement = doc.Statement.filter((s) => s.Sid !== 'EcsExec');
      }
    const found = PermissionsProven.check({ template: stripped as unknown as Template, resolved }).map(
      (v) => v.message,
    );
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(
      /^task role of api may not ssmmessages:CreateControlChannel on \* \(ECS Exec's agent in ServiceApiService\w+ opens its Session Manager channels\)/,
    );
  });
});

describe('ECS Exec session logging in prod', () => {
  const clusterConfig = (t: Template) => ofType(t, 'AWS::ECS::Cluster')[0]![1].Properties.Configuration;

  it('logs the sessions of a prod cluster with exec to a log group kept as long as the environment keeps its logs', () => {
    const config = clusterConfig(prodOptIn) as {
      ExecuteCommandConfiguration: {
        Logging: string;
        LogConfiguration: { CloudWatchLogGroupName: { Ref: string }; CloudWatchEncryptionEnabled: boolean };
      };
    };
    expect(config.ExecuteCommandConfiguration.Logging).toBe('OVERRIDE');
    expect(config.ExecuteCommandConfiguration.LogConfiguration.CloudWatchEncryptionEnabled).toBe(false);
    const groupId = config.ExecuteCommandConfiguration.LogConfiguration.CloudWatchLogGroupName.Ref;
    const group = prodOptIn.Resources![groupId]! as unknown as Resource;
    expect(group.Type).toBe('AWS::Logs::LogGroup');
    expect(group.Properties.RetentionInDays).toBe(prodOptInResolved.logRetentionDays);
    expect(group.Properties.KmsKeyId).toBeUndefined();
  });

  it('grants the task role exactly the logs calls the agent makes, on that group', () => {
    const logs = taskRoleStatements(prodOptIn).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('logs:')),
    );
    const groupId = (
      clusterConfig(prodOptIn) as {
        ExecuteCommandConfiguration: { LogConfiguration: { CloudWatchLogGroupName: { Ref: string } } };
      }
    ).ExecuteCommandConfiguration.LogConfiguration.CloudWatchLogGroupName.Ref;
    expect(logs).toEqual([
      { Sid: 'EcsExecSessionLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
      {
        Sid: 'EcsExecSessionLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [groupId, 'Arn'] },
      },
    ]);
  });

  it('does not log where exec is off in prod, nor in dev', () => {
    expect(clusterConfig(prod)).toBeUndefined();
    expect(clusterConfig(dev)).toBeUndefined();
  });

  it('is proven by the permissions rule: without the logs grant, the four session-log calls are findings', () => {
    expect(PermissionsProven.check({ template: prodOptIn, resolved: prodOptInResolved })).toEqual([]);
    const stripped = structuredClone(prodOptIn) as unknown as { Resources: Record<string, Resource> };
    for (const r of Object.values(stripped.Resources))
      if (r.Type === 'AWS::IAM::Policy') {
        const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
        doc.Statement = doc.Statement.filter((s) => !s.Sid?.startsWith('EcsExecSession'));
      }
    const found = PermissionsProven.check({
      template: stripped as unknown as Template,
      resolved: prodOptInResolved,
    }).map((v) => v.message);
    expect(found.map((m) => /may not (logs:\w+)/.exec(m)?.[1]).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:DescribeLogGroups',
      'logs:DescribeLogStreams',
      'logs:PutLogEvents',
    ]);
  });
});
