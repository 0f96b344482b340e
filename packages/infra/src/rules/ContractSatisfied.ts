import { contractFor, serviceFamily, type ContractSource } from '@berthjs/config';
import { containerOf, taskDefinitionOf, type BerthRule, type RuleViolation } from './rule';

/**
 * Every task definition gives its service each required variable of its contract, through the right channel:
 * secrets as ECS `secrets`, the rest as plain environment. Drift between config and template fails here, not at 3 a.m.
 */
export const ContractSatisfied: BerthRule = {
  id: 'Berth-ContractSatisfied',
  description: "Each task definition provides every required env var and secret of its service's contract",
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    for (const name of Object.keys(input.resolved.services)) {
      const found = taskDefinitionOf(input, name);
      if (!found) {
        out.push({
          resource: name,
          message: `no task definition with family ${serviceFamily(input.resolved, name)}`,
        });
        continue;
      }
      const [id, task] = found;
      const container = containerOf(task, name);
      if (!container) {
        out.push({ resource: id, message: `no container named '${name}'` });
        continue;
      }
      const env = new Set((container.Environment ?? []).map((e) => e.Name));
      const secrets = new Set((container.Secrets ?? []).map((e) => e.Name));
      const valueFrom = new Map((container.Secrets ?? []).map((e) => [e.Name, JSON.stringify(e.ValueFrom)]));
      for (const v of contractFor(input.resolved, name).variables) {
        if (!v.required) continue;
        if (v.secret && !secrets.has(v.name))
          out.push({ resource: id, message: `${v.name} (secret) is missing from the container's secrets` });
        if (!v.secret && !env.has(v.name))
          out.push({ resource: id, message: `${v.name} is missing from the container's environment` });
        if (v.secret && env.has(v.name))
          out.push({
            resource: id,
            message: `${v.name} is a secret but also in the container's plain environment`,
          });
        // PGPASSWORD is one key of the rotated secret: ECS's `<secret-arn>:<json-key>:<version-stage>:<version-id>`,
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
        const key = jsonKeyOf(v.source);
        if (key && secrets.has(v.name) && !valueFrom.get(v.name)?.includes(`:${key}::`))
          out.push({
            resource: id,
            message: `${v.name} must come from the secret's '${key}' key (…:${key}::)`,
          });
      }
    }
    return out;
  },
};

function jsonKeyOf(source: ContractSource): string | undefined {
  if (source.kind === 'database' && source.attribute === 'password') return 'password';
  if (source.kind === 'userSecret') return source.jsonKey;
  return undefined;
}
