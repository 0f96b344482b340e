import { resolve } from '@berthjs/config';
import {
  berthStacks,
  buildApp,
  isAllowed,
  rolePolicies,
  TokenResolver,
  type NamedPolicy,
} from '@berthjs/infra';
import { Template } from 'aws-cdk-lib/assertions';
import talent from '../../examples/talent/berth.config';

/** What the rotation scenario needs of talent's synthesized prod template: the api task role and its secret. */
export interface TaskRoleGrants {
  /** The api task role's policies, tokens resolved. */
  readonly policies: readonly NamedPolicy[];
  /** DATABASE_SECRET_ARN as the task receives it (the symbolic ARN of the database secret). */
  readonly databaseSecretArn: string;
  /** Decides a Secrets Manager call as IAM would for the api task role. */
  authorize(action: string, secretArn: string): boolean;
}

/**
 * Synthesizes talent's prod stack and reads the api task definition: its task role's policy documents and the
 * DATABASE_SECRET_ARN it is given. A Secrets Manager peer that authorizes with this refuses the runtime's re-read
 * exactly when the real task role would (an execution-role-only grant fails the rotation scenario).
 */
export function talentTaskRole(): TaskRoleGrants {
  const resolved = resolve(talent, 'prod');
  const template = Template.fromStack(berthStacks(buildApp(resolved))[0]!).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const task = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties?.Family === `talent-${resolved.stage}-api`,
  );
  if (!task) throw new Error('talent prod: no task definition of family talent-prod-api');
  const roleId = (task.Properties?.TaskRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const container = (
    task.Properties?.ContainerDefinitions as { Environment?: { Name: string; Value: unknown }[] }[]
  )[0]!;
  const arnValue = container.Environment?.find((e) => e.Name === 'DATABASE_SECRET_ARN')?.Value;
  if (arnValue === undefined) throw new Error('talent prod: the api container has no DATABASE_SECRET_ARN');
  const tokens = new TokenResolver(template, {
    account: resolved.account ?? '000000000000',
    region: resolved.region,
  });
  const policies = rolePolicies(template, roleId, tokens);
  return {
    policies,
    databaseSecretArn: tokens.value(arnValue),
    authorize: (action, secretArn) => isAllowed(policies, action, secretArn).allowed,
  };
}
