import { OUTPUT_KEYS, prefixOf, type ResolvedApp } from '@berthjs/config';
import { resourcesOfType, type Template } from '../rules/rule';
import type { NamedPolicy, PolicyDocument } from './evaluate';
import type { Call, Holder } from './holders';
import type { TokenResolver } from './tokens';

export interface OperatorInput {
  readonly template: Template;
  readonly resolved: ResolvedApp;
  readonly tokens: TokenResolver;
}

/** The operator policy's name (`<app>-<stage>-operator`), as an Identity Center permission set references it. */
export const operatorPolicyName = (resolved: ResolvedApp): string => `${prefixOf(resolved)}-operator`;

/** The pilot-light standby's operator policy (`<app>-<stage>-standby-operator`): the same calls, in the standby region. */
export const standbyOperatorPolicyName = (resolved: ResolvedApp): string =>
  `${prefixOf(resolved)}-standby-operator`;

/**
 * What `berth status | logs | exec | tunnel | secrets` call (packages/cli/src/ops: status.ts, logs.ts, exec.ts,
 * tunnel.ts, secrets.ts),
 * with the resources they find: the stack (DescribeStacks, ListStackResources), the ECS services, tasks and task
 * definitions, the stack's alarms, the log groups and the database, bastion and secrets the stack's outputs name
 * (the very outputs the commands read). Undefined when the template has no operator policy.
 */
export function operatorHolder(input: OperatorInput): Holder | undefined {
  const { template, resolved, tokens } = input;
  const policyNames = [operatorPolicyName(resolved), standbyOperatorPolicyName(resolved)];
  const policy = resourcesOfType(template, 'AWS::IAM::ManagedPolicy').find(([, p]) =>
    policyNames.includes(p.Properties?.ManagedPolicyName as string),
  )?.[0];
  if (!policy) return undefined;
  const { account, region } = { account: resolved.account ?? '000000000000', region: resolved.region };
  const arn = (service: string, resource: string, acct: string = account) =>
    `arn:aws:${service}:${region}:${acct}:${resource}`;
  const output = (key: string) => {
    const o = (template as { Outputs?: Record<string, { Value: unknown }> }).Outputs?.[key];
    return o ? tokens.value(o.Value) : undefined;
  };
  const calls: Call[] = [];
  const call = (action: string, resource: string, why: string, context?: Call['context']) =>
    calls.push({ action, resource, why, ...(context ? { context } : {}) });

  const stackId = tokens.value({ Ref: 'AWS::StackId' });
  call('cloudformation:DescribeStacks', stackId, 'the day-2 commands read the stack outputs');
  call('cloudformation:ListStackResources', stackId, 'berth status lists the services and alarms');

  const [clusterId] = resourcesOfType(template, 'AWS::ECS::Cluster')[0] ?? [];
  if (clusterId) {
    const clusterArn = tokens.value({ 'Fn::GetAtt': [clusterId, 'Arn'] });
    const task = arn('ecs', `task/${tokens.value({ Ref: clusterId })}/0123456789abcdef`);
    const inCluster = { 'ecs:cluster': clusterArn };
    call('ecs:ListTasks', '*', 'berth status, logs and exec list tasks', inCluster);
    call('ecs:DescribeTasks', task, 'berth status, logs and exec describe tasks', inCluster);
    call('ecs:DescribeTaskDefinition', '*', 'berth status reads the image tag');
    for (const [id, service] of resourcesOfType(template, 'AWS::ECS::Service')) {
      call(
        'ecs:DescribeServices',
        tokens.value({ Ref: id }),
        'berth status describes each service',
        inCluster,
      );
      const strategy = (service.Properties?.DeploymentConfiguration as { Strategy?: string } | undefined)
        ?.Strategy;
      if (strategy && strategy !== 'ROLLING') {
        const why = `berth status names the phase of ${id}'s newest ${strategy} deployment`;
        call('ecs:ListServiceDeployments', tokens.value({ Ref: id }), why);
        const name = tokens.value({ 'Fn::GetAtt': [id, 'Name'] });
        call(
          'ecs:DescribeServiceDeployments',
          arn('ecs', `service-deployment/${tokens.value({ Ref: clusterId })}/${name}/0123456789`),
          why,
        );
      }
      if (service.Properties?.EnableExecuteCommand === true) {
        call('ecs:ExecuteCommand', clusterArn, `berth exec into ${id}`);
        call('ecs:ExecuteCommand', task, `berth exec into ${id}`);
      }
    }
  }
  for (const [id] of resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
    call(
      'cloudwatch:DescribeAlarms',
      tokens.value({ 'Fn::GetAtt': [id, 'Arn'] }),
      'berth status reads alarm states',
    );

  const keys = Object.keys((template as { Outputs?: object }).Outputs ?? {});
  for (const key of keys.filter((k) => /^(Service|Job)\w+LogGroup$/.test(k))) {
    const group = arn('logs', `log-group:${output(key)}`);
    call('logs:FilterLogEvents', group, `berth logs reads ${key}`);
    call('logs:DescribeLogStreams', group, `berth status finds the last run in ${key}`);
  }
  const db = output(OUTPUT_KEYS.databaseIdentifier);
  const state = "berth status reads the database's state";
  if (db && output(OUTPUT_KEYS.databaseKind) === 'cluster')
    call('rds:DescribeDBClusters', arn('rds', `cluster:${db}`), state);
  else if (db) call('rds:DescribeDBInstances', arn('rds', `db:${db}`), state);

  const bastion = output(OUTPUT_KEYS.bastionInstanceId);
  if (bastion) {
    const why = 'berth tunnel forwards a port through the bastion';
    call('ssm:StartSession', arn('ec2', `instance/${bastion}`), why);
    call('ssm:StartSession', arn('ssm', 'document/AWS-StartPortForwardingSessionToRemoteHost', ''), why);
    call(
      'ssm:TerminateSession',
      arn('ssm', 'session/operator-0123456789abcdef0'),
      'the plugin ends the session',
    );
    for (const key of [OUTPUT_KEYS.databaseSecretArn, OUTPUT_KEYS.cacheAuthSecretArn]) {
      const secret = output(key);
      if (secret)
        call('secretsmanager:GetSecretValue', secret, `berth tunnel prints credentials from ${key}`);
    }
  }
  const names = new Set(
    Object.values(resolved.services).flatMap((s) => Object.values(s.secrets).map((r) => r.secretName)),
  );
  for (const name of names) {
    const secret = arn('secretsmanager', `secret:${name}-AbCdEf`);
    call('secretsmanager:DescribeSecret', secret, `berth secrets list reads ${name}`);
    call('secretsmanager:CreateSecret', secret, `berth secrets set creates ${name}`);
    call('secretsmanager:TagResource', secret, `berth secrets set tags ${name} berth:app, berth:stage`);
    call('secretsmanager:PutSecretValue', secret, `berth secrets set stores ${name}`);
    call('secretsmanager:DeleteSecret', secret, `berth secrets rm schedules ${name}'s deletion`);
  }
  return { kind: 'operator', role: policy, label: 'operator policy', calls };
}

/** The operator policy's own document: it is attached to people outside the template, not to a role in it. */
export function operatorPolicies(template: Template, policyId: string, tokens: TokenResolver): NamedPolicy[] {
  const policy = template.Resources?.[policyId];
  return policy?.Type === 'AWS::IAM::ManagedPolicy'
    ? [{ name: policyId, document: tokens.deep(policy.Properties?.PolicyDocument) as PolicyDocument }]
    : [];
}
