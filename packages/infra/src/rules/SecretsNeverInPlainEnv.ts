import { contractFor } from '@berthjs/config';
import { resourcesOfType, type BerthRule, type ContainerDefinition, type RuleViolation } from './rule';

/** Names that only ever hold credentials. `*_ARN`/`*_URL` names (pointers, not secrets) do not match. */
const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|PRIVATE_KEY|API_KEY|CREDENTIALS)$/;

/**
 * No credential in plain environment: not a contract secret, not a name that looks like one, not a resolved
 * Secrets Manager reference (which CloudFormation would write into the task definition in clear).
 */
export const SecretsNeverInPlainEnv: BerthRule = {
  id: 'Berth-SecretsNeverInPlainEnv',
  description: 'Secrets reach tasks only through ECS secrets, never plain environment',
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    const contractSecrets = new Set(
      Object.keys(input.resolved.services).flatMap((s) =>
        contractFor(input.resolved, s)
          .variables.filter((v) => v.secret)
          .map((v) => v.name),
      ),
    );
    for (const [id, task] of resourcesOfType(input.template, 'AWS::ECS::TaskDefinition')) {
      for (const c of (task.Properties?.ContainerDefinitions ?? []) as ContainerDefinition[]) {
        for (const e of c.Environment ?? []) {
          if (contractSecrets.has(e.Name))
            out.push({
              resource: id,
              message: `${e.Name} is a secret in the contract but is plain env in container '${c.Name}'`,
            });
          else if (SECRET_NAME.test(e.Name))
            out.push({
              resource: id,
              message: `${e.Name} looks like a credential and is plain env in container '${c.Name}'`,
            });
          if (JSON.stringify(e.Value).includes('resolve:secretsmanager'))
            out.push({ resource: id, message: `${e.Name} resolves a Secrets Manager value into plain env` });
        }
      }
    }
    return out;
  },
};
