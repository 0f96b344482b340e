import { Construct } from 'constructs';
import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { OUTPUT_KEYS } from '@berthjs/config';
import type { Bastion } from './bastion';
import type { Cache } from './cache';
import type { Database } from './database';
import type { Service } from './service';
import { secretArnsByName } from './secrets';

/** SSM's document for a local port forwarded through an instance to a host it reaches (`berth tunnel`). */
export const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost';

/** What `berth secrets list|set|rm` call on each secret the config references. */
export const SECRETS_ACTIONS = Object.freeze([
  'secretsmanager:DescribeSecret',
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:DeleteSecret',
  'secretsmanager:TagResource',
] as const);

export interface OperatorPolicyProps {
  /** `<app>-<stage>-operator`: an IAM Identity Center permission set references a customer managed policy by name. */
  readonly name: string;
  readonly cluster: ecs.ICluster;
  readonly services: readonly Service[];
  readonly bastion?: Bastion;
  readonly database?: Database;
  readonly cache?: Cache;
}

/**
 * What the day-2 commands (`berth status | logs | exec | tunnel | secrets`) call, as a customer managed policy to attach to
 * the people who operate the environment (an IAM Identity Center permission set, a group, a role). Every statement
 * names this environment's own resources but where the action has no resource-level permissions. Berth's
 * permissions rule proves it against the calls in iam/operator-calls.ts.
 */
export class OperatorPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statements: iam.PolicyStatement[] = [];
    const allow = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, unknown>,
    ) =>
      statements.push(
        new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }),
      );
    const cluster = props.cluster;
    const tasks = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${cluster.clusterName}/*`,
    });

    allow(
      'FindTheStack',
      ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
      [stack.stackId],
    );
    allow(
      'Services',
      ['ecs:DescribeServices'],
      props.services.map((s) => s.ecsService.serviceArn),
    );
    // berth status names the phase of a canary/linear/blue-green service's newest deployment:
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment-permissions.html
    const shifting = props.services.filter((s) => s.props.service.deploy.strategy !== 'rolling');
    if (shifting.length)
      allow(
        'ServiceDeployments',
        ['ecs:ListServiceDeployments', 'ecs:DescribeServiceDeployments'],
        shifting.flatMap((s) => [
          s.ecsService.serviceArn,
          stack.formatArn({
            service: 'ecs',
            resource: 'service-deployment',
            resourceName: `${cluster.clusterName}/${s.ecsService.serviceName}/*`,
          }),
        ]),
      );
    allow('Tasks', ['ecs:DescribeTasks'], [tasks]);
    allow('ListTasks', ['ecs:ListTasks'], ['*'], { ArnEquals: { 'ecs:cluster': cluster.clusterArn } });
    // No resource-level permissions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
    allow('TaskDefinitionsAndAlarms', ['ecs:DescribeTaskDefinition', 'cloudwatch:DescribeAlarms'], ['*']);
    allow(
      'Logs',
      ['logs:FilterLogEvents', 'logs:DescribeLogStreams'],
      props.services.flatMap((s) => [
        s.logGroup.logGroupArn,
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: s.logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ]),
    );
    if (props.services.some((s) => s.props.service.exec))
      allow('Exec', ['ecs:ExecuteCommand'], [cluster.clusterArn, tasks]);

    const db = props.database;
    if (db?.cluster)
      allow(
        'Database',
        ['rds:DescribeDBClusters'],
        [
          stack.formatArn({
            service: 'rds',
            resource: 'cluster',
            resourceName: db.cluster.clusterIdentifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      );
    if (db?.instance)
      allow(
        'Database',
        ['rds:DescribeDBInstances'],
        [
          stack.formatArn({
            service: 'rds',
            resource: 'db',
            resourceName: db.instance.instanceIdentifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      );

    if (props.bastion) {
      allow(
        'Tunnel',
        ['ssm:StartSession'],
        [
          stack.formatArn({
            service: 'ec2',
            resource: 'instance',
            resourceName: props.bastion.instance.instanceId,
          }),
          stack.formatArn({
            service: 'ssm',
            account: '',
            resource: 'document',
            resourceName: PORT_FORWARDING_DOCUMENT,
          }),
        ],
      );
      allow(
        'TunnelSessions',
        ['ssm:TerminateSession', 'ssm:ResumeSession'],
        [stack.formatArn({ service: 'ssm', resource: 'session', resourceName: '*' })],
      );
      const secrets = [
        ...(db ? [db.secret.secretArn] : []),
        ...(props.cache?.authToken ? [props.cache.authToken.secretArn] : []),
      ];
      if (secrets.length) allow('TunnelCredentials', ['secretsmanager:GetSecretValue'], secrets);
    }

    // berth secrets list|set|rm: the secrets the services reference by name (services.<name>.secrets). Secrets
    // Manager appends six random characters to a secret's name in its ARN.
    const names = [
      ...new Set(
        props.services.flatMap((s) => Object.values(s.props.service.secrets).map((r) => r.secretName)),
      ),
    ].sort();
    if (names.length) allow('AppSecrets', [...SECRETS_ACTIONS], secretArnsByName(stack, names));

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: props.name,
      description: `What berth status, logs, exec and tunnel call in ${stack.stackName}; attach it to the people who operate it`,
      statements,
    });
    new CfnOutput(this, OUTPUT_KEYS.operatorPolicyArn, {
      value: this.policy.managedPolicyArn,
      description: 'Customer managed policy for berth status, logs, exec and tunnel',
    }).overrideLogicalId(OUTPUT_KEYS.operatorPolicyArn);
  }
}
