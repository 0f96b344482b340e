import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';

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
