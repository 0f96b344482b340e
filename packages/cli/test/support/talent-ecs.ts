import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  type ResourceStatus,
  type StackResource,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  type Service,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { awsClients, type OpsRuntime } from '../../src/ops/aws';

/**
 * talent prod's ECS service as the SDK mock answers for it (account 222222222222, us-east-1): the stack's cluster and
 * service, the service's task definition and network, and a task that RunTask starts. Shared by the tests of
 * `berth run-job` / `berth migrate` and of `berth deploy`'s migrations; each file sets what differs (the service's
 * fields, the task definitions, the log events, how the task ends).
 */
export const ACCOUNT = '222222222222';
export const CLUSTER = 'talent-prod-Cluster';
export const SERVICE = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${CLUSTER}/talent-prod-api`;
export const TASK = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${CLUSTER}/0f1e2d`;
export const tdArn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`;

export const sts = mockClient(STSClient);
export const ecs = mockClient(ECSClient);
export const cfn = mockClient(CloudFormationClient);
export const logs = mockClient(CloudWatchLogsClient);

/** The stack's cluster and service, as DescribeStackResources lists them. */
export function stackResources(status: ResourceStatus = 'UPDATE_COMPLETE'): StackResource[] {
  return [
    {
      ResourceType: 'AWS::ECS::Cluster',
      PhysicalResourceId: CLUSTER,
      LogicalResourceId: 'C',
      ResourceStatus: status,
      Timestamp: new Date(),
    },
    {
      ResourceType: 'AWS::ECS::Service',
      PhysicalResourceId: SERVICE,
      LogicalResourceId: 'S',
      ResourceStatus: status,
      Timestamp: new Date(),
    },
  ];
}

/**
 * Resets the four mocks and answers: the caller is talent prod's account; the stack holds the cluster and the
 * service; DescribeServices returns `service` (its ARN added); DescribeTaskDefinition returns `taskDefinition`;
 * RunTask starts TASK. How TASK ends is `taskEnds`'s.
 */
export function resetTalentEcs(service: Omit<Service, 'serviceArn'>, taskDefinition: TaskDefinition): void {
  for (const m of [sts, ecs, cfn, logs]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  cfn.on(DescribeStackResourcesCommand).resolves({ StackResources: stackResources() });
  ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceArn: SERVICE, ...service }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
}

/**
 * DescribeTasks: TASK goes through `through` (e.g. PROVISIONING, RUNNING), then stays STOPPED with its container
 * `api` exited with `exitCode` (none: the container never ran).
 */
export function taskEnds(
  exitCode: number | undefined,
  { stoppedReason, through = [] }: { stoppedReason?: string; through?: readonly string[] } = {},
): void {
  const stopped: Task = {
    taskArn: TASK,
    lastStatus: 'STOPPED',
    ...(stoppedReason ? { stoppedReason } : {}),
    containers: [{ name: 'api', ...(exitCode === undefined ? {} : { exitCode }) }],
  };
  let behaviour = ecs.on(DescribeTasksCommand);
  for (const lastStatus of through)
    behaviour = behaviour.resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus }] });
  behaviour.resolves({ tasks: [stopped] });
}

/** An OpsRuntime that never sleeps and collects what it prints. */
export function opsRuntime(
  progress: (line: string) => void,
  out: (line: string) => void = progress,
): OpsRuntime {
  return { clients: awsClients, sleep: async () => {}, progress, out, pollMs: 0, steadyTimeoutMs: 60_000 };
}
