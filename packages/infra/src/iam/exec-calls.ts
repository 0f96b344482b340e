import { resourcesOfType, type Template } from '../rules/rule';
import type { Call } from './holders';

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

/** For each ECS service with EnableExecuteCommand: the task role (logical ID) and the calls its agent makes. */
export function execAgentCalls(template: Template): { role: string; service: string; calls: Call[] }[] {
  const out: { role: string; service: string; calls: Call[] }[] = [];
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
  }
  return out;
}
