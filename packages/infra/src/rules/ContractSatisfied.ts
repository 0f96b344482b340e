import { contractFor, serviceFamily } from '@berthjs/config';
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
      for (const v of contractFor(input.resolved, name).variables) {
        if (!v.required) continue;
        if (v.secret && !secrets.has(v.name))
          out.push({ resource: id, message: `${v.name} (secret) is missing from the container's secrets` });
        if (!v.secret && !env.has(v.name))
          out.push({ resource: id, message: `${v.name} is missing from the container's environment` });
      }
    }
    return out;
  },
};
