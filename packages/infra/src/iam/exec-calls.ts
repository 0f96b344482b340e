import { resourcesOfType, type Template } from '../rules/rule';
import type { Call } from './holders';
import type { TokenResolver } from './tokens';

/**
 * What the SSM agent that ECS Exec injects into a container calls with the task role, written out here on its own
 * (not taken from the construct that grants it) so the permissions rule proves the grant:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (IAM permissions required for ECS Exec).
 */
const ECS_EXEC_AGENT_CALLS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

/**
 * What the agent calls to write a session's log when the cluster logs ECS Exec sessions to CloudWatch Logs
 * (ExecuteCommandConfiguration Logging OVERRIDE), from the same page ("IAM permissions required for Amazon
 * CloudWatch Logs or Amazon S3 Logging"): DescribeLogGroups, then on the group CreateLogStream, DescribeLogStreams
 * and PutLogEvents.
 */
const ECS_EXEC_SESSION_LOG_CALLS = ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'];

/** The CloudWatch log group name the template's cluster logs ECS Exec sessions to, when it does. */
function sessionLogGroup(template: Template, tokens?: TokenResolver): string | undefined {
  for (const [, cluster] of resourcesOfType(template, 'AWS::ECS::Cluster')) {
    const c = (
      cluster.Properties?.Configuration as
        | {
            ExecuteCommandConfiguration?: {
              Logging?: string;
              LogConfiguration?: { CloudWatchLogGroupName?: unknown };
            };
          }
        | undefined
    )?.ExecuteCommandConfiguration;
    const name = c?.LogConfiguration?.CloudWatchLogGroupName;
    if (c?.Logging === 'OVERRIDE' && name !== undefined)
      return typeof name === 'string' ? name : tokens?.value(name);
  }
  return undefined;
}

/**
 * For each ECS service with EnableExecuteCommand: the task role (logical ID) and the calls its agent makes. `arn`
 * builds an ARN in the environment's account and region; without it the session-log calls are not modelled.
 */
export function execAgentCalls(
  template: Template,
  tokens?: TokenResolver,
  arn?: (service: string, resource: string) => string,
): { role: string; service: string; calls: Call[] }[] {
  const out: { role: string; service: string; calls: Call[] }[] = [];
  const group = arn ? sessionLogGroup(template, tokens) : undefined;
  for (const [id, service] of resourcesOfType(template, 'AWS::ECS::Service')) {
    if (service.Properties?.EnableExecuteCommand !== true) continue;
    const tdId = (service.Properties?.TaskDefinition as { Ref?: string } | undefined)?.Ref;
    const td = tdId ? template.Resources?.[tdId] : undefined;
    const role = (td?.Properties?.TaskRoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
      'Fn::GetAtt'
    ];
    if (!role || role[1] !== 'Arn') continue;
    out.push({
      role: role[0],
      service: id,
      calls: ECS_EXEC_AGENT_CALLS.map((action) => ({
        action,
        // ssmmessages has no resource-level permissions: IAM authorizes these calls against `*`.
        resource: '*',
        why: `ECS Exec's agent in ${id} opens its Session Manager channels`,
      })),
    });
    if (group && arn)
      out[out.length - 1]!.calls.push(
        {
          action: 'logs:DescribeLogGroups',
          resource: arn('logs', 'log-group:*'),
          why: `ECS Exec's agent in ${id} finds the session log group`,
        },
        ...ECS_EXEC_SESSION_LOG_CALLS.map((action) => ({
          action,
          resource: arn('logs', `log-group:${group}:log-stream:ecs-exec-session`),
          why: `ECS Exec's agent in ${id} writes the session log`,
        })),
      );
  }
  return out;
}
