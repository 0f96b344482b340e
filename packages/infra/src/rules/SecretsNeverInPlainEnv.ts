import { contractFor } from '@berthjs/config';
import { credentialInValue, isCredentialName } from './credentials';
import { resourcesOfType, type BerthRule, type ContainerDefinition, type RuleViolation } from './rule';

/**
 * No credential in plain environment of any task definition (services and jobs): not a contract secret, not a name
 * that looks like one, not a value that looks like one (a URL with a password, a known key format, a PEM block, a
 * long random string), not a resolved Secrets Manager reference (which CloudFormation writes in clear).
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
          else if (isCredentialName(e.Name))
            out.push({
              resource: id,
              message: `${e.Name} looks like a credential by its name and is plain env in container '${c.Name}'`,
            });
          else if (typeof e.Value === 'string') {
            const what = credentialInValue(e.Value, e.Name);
            // The value itself never goes into the report: the report is printed and stored.
            if (what)
              out.push({
                resource: id,
                message: `${e.Name} holds what looks like ${what} and is plain env in container '${c.Name}'`,
              });
          }
          if (JSON.stringify(e.Value).includes('resolve:secretsmanager'))
            out.push({ resource: id, message: `${e.Name} resolves a Secrets Manager value into plain env` });
        }
      }
    }
    return out;
  },
};
