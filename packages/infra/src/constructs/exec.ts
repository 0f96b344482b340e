import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * What the task role needs for ECS Exec, and nothing more: the SSM agent ECS injects into the container opens its
 * control and data channels to Session Manager with these four calls.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (IAM permissions required for ECS Exec).
 * None of them has resource-level permissions, so the statement names `*`.
 */
export const ECS_EXEC_TASK_ACTIONS = Object.freeze([
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
] as const);

/**
 * Where the ECS Exec agent writes inside the container. AWS's considerations say ECS Exec needs a writable root file
 * system and does not support `readonlyRootFilesystem`; the agent's paths are not documented by AWS
 * (aws/containers-roadmap#2824 asks for it). These three writable task volumes are the workaround reported to work
 * (aws/containers-roadmap#1359, aws-containers/amazon-ecs-exec-checker#71): the agent's own directory (ECS mounts
 * the agent binaries under it), its state and its logs. Unverified on AWS by Berth: see docs/operate.md.
 */
export const ECS_EXEC_WRITABLE_PATHS = Object.freeze([
  { volume: 'exec-managed-agents', path: '/managed-agents' },
  { volume: 'exec-ssm-state', path: '/var/lib/amazon/ssm' },
  { volume: 'exec-ssm-logs', path: '/var/log/amazon/ssm' },
] as const);

/**
 * Turns ECS Exec on for one service: `EnableExecuteCommand` on the ECS service, the four `ssmmessages` calls on the
 * task role, and the agent's writable paths as task volumes so the root file system stays read-only. Set through
 * the CloudFormation property rather than the CDK's `enableExecuteCommand`, which also grants CloudWatch Logs
 * actions on `*` for session logging.
 */
export function enableExec(
  service: ecs.BaseService,
  taskDefinition: ecs.TaskDefinition,
  container: ecs.ContainerDefinition,
  taskRole: iam.IRole,
): void {
  (service.node.defaultChild as ecs.CfnService).enableExecuteCommand = true;
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'EcsExec', actions: [...ECS_EXEC_TASK_ACTIONS], resources: ['*'] }),
  );
  for (const { volume, path } of ECS_EXEC_WRITABLE_PATHS) {
    taskDefinition.addVolume({ name: volume });
    container.addMountPoints({ containerPath: path, sourceVolume: volume, readOnly: false });
  }
}

/**
 * What the SSM agent calls with the task role to write a session's log to CloudWatch Logs when the cluster logs ECS
 * Exec sessions ("IAM permissions required for Amazon CloudWatch Logs or Amazon S3 Logging" in
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html): `logs:DescribeLogGroups` (not scoped
 * to a group by AWS, so `*`), and on the session log group `logs:CreateLogStream`, `logs:DescribeLogStreams`,
 * `logs:PutLogEvents`.
 */
export const ECS_EXEC_SESSION_LOG_ACTIONS = Object.freeze([
  'logs:CreateLogStream',
  'logs:DescribeLogStreams',
  'logs:PutLogEvents',
] as const);

/**
 * Logs every ECS Exec session of the cluster (the commands run and their output) to one CloudWatch log group, kept
 * as long as the environment keeps its logs: `ExecuteCommandConfiguration.Logging: OVERRIDE` with
 * `LogConfiguration.CloudWatchLogGroupName`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-cluster-executecommandconfiguration.html).
 * The group uses CloudWatch Logs' own encryption at rest like every Berth log group (none has a customer managed
 * key), so `CloudWatchEncryptionEnabled` stays off: with it on, the agent refuses to write to a group without a KMS
 * key. Returns the group; grant each exec-enabled task role with `grantExecSessionLogs`.
 */
export function logExecSessions(
  cluster: ecs.Cluster,
  options: { logRetentionDays: number; removal: RemovalPolicy },
): logs.LogGroup {
  const group = new logs.LogGroup(cluster, 'ExecSessionLogs', {
    retention: options.logRetentionDays as logs.RetentionDays,
    removalPolicy: options.removal,
  });
  const cfn = cluster.node.defaultChild as ecs.CfnCluster;
  cfn.configuration = {
    executeCommandConfiguration: {
      logging: 'OVERRIDE',
      logConfiguration: { cloudWatchLogGroupName: group.logGroupName, cloudWatchEncryptionEnabled: false },
    },
  };
  return group;
}

/** The task role's grant for session logging: exactly the calls above, on the session log group. */
export function grantExecSessionLogs(taskRole: iam.IRole, group: logs.ILogGroup): void {
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EcsExecSessionLogGroups',
      actions: ['logs:DescribeLogGroups'],
      resources: ['*'],
    }),
  );
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'EcsExecSessionLogs',
      actions: [...ECS_EXEC_SESSION_LOG_ACTIONS],
      resources: [group.logGroupArn],
    }),
  );
}

/** Session logging applies where the environment is a production one and at least one service has exec on. */
export function logsExecSessions(resolved: {
  readonly profile: string;
  readonly services: Readonly<Record<string, { readonly exec: boolean }>>;
}): boolean {
  return resolved.profile === 'prod' && Object.values(resolved.services).some((s) => s.exec);
}

/**
 * Session logging for an environment, when `logsExecSessions` says it applies: the cluster's log group and the
 * grant on each exec-enabled service's task role.
 */
export function execSessionLogging(
  cluster: ecs.Cluster,
  resolved: {
    readonly profile: string;
    readonly logRetentionDays: number;
    readonly services: Readonly<Record<string, { readonly exec: boolean }>>;
  },
  services: Readonly<Record<string, { readonly taskRole: iam.IRole }>>,
  removal: RemovalPolicy,
): logs.LogGroup | undefined {
  if (!logsExecSessions(resolved)) return undefined;
  const group = logExecSessions(cluster, { logRetentionDays: resolved.logRetentionDays, removal });
  for (const [name, s] of Object.entries(resolved.services))
    if (s.exec && services[name]) grantExecSessionLogs(services[name].taskRole, group);
  return group;
}
