import { programsNotKnown } from '@berthjs/config';
import { resourcesOfType, type BerthRule, type RuleViolation } from './rule';

/**
 * A container health check calls only programs the image is known to have. A check that runs curl in an image
 * without curl fails, and ECS replaces a task that was serving fine; the ALB's own check needs nothing in the image.
 */
export const HealthCheckNeedsNothing: BerthRule = {
  id: 'Berth-HealthCheckNeedsNothing',
  description: "Container health checks call only programs the service's imageHas declares",
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    for (const [id, task] of resourcesOfType(input.template, 'AWS::ECS::TaskDefinition')) {
      const defs = (task.Properties?.ContainerDefinitions ?? []) as {
        Name?: string;
        HealthCheck?: { Command?: unknown };
      }[];
      for (const def of defs) {
        const command = def.HealthCheck?.Command;
        if (!Array.isArray(command) || !command.every((c) => typeof c === 'string')) continue;
        const imageHas = input.resolved.services[def.Name ?? '']?.imageHas ?? [];
        for (const program of programsNotKnown(command, imageHas)) {
          out.push({
            resource: id,
            message: `container '${def.Name}' health check calls ${program}, which the image is not known to have; declare it in services.${def.Name}.imageHas or drop the container health check (the ALB's check needs nothing in the image)`,
          });
        }
      }
    }
    return out;
  },
};
