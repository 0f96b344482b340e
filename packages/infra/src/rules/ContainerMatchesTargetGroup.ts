import { contractFor } from '@berthjs/config';
import { containerOf, taskDefinitionOf, resourcesOfType, type BerthRule, type RuleViolation } from './rule';

interface LoadBalancerRef {
  readonly ContainerName?: string;
  readonly ContainerPort?: number;
  readonly TargetGroupArn?: { Ref?: string };
}

/** The container listens on the contract's port, and the ALB checks the contract's health path on that port. */
export const ContainerMatchesTargetGroup: BerthRule = {
  id: 'Berth-ContainerMatchesTargetGroup',
  description: 'Container port and target group health path match the service contract',
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    const services = resourcesOfType(input.template, 'AWS::ECS::Service');
    for (const name of Object.keys(input.resolved.services)) {
      const contract = contractFor(input.resolved, name);
      const found = taskDefinitionOf(input, name);
      if (!found) continue; // ContractSatisfied reports it
      const [taskId, task] = found;
      const ports = (containerOf(task, name)?.PortMappings ?? []).map((p) => p.ContainerPort);
      if (!ports.includes(contract.port))
        out.push({
          resource: taskId,
          message: `container '${name}' does not map port ${contract.port} (maps ${ports.join(', ') || 'none'})`,
        });
      const service = services.find(
        ([, s]) => (s.Properties?.TaskDefinition as { Ref?: string } | undefined)?.Ref === taskId,
      );
      if (!service) continue;
      for (const lb of (service[1].Properties?.LoadBalancers ?? []) as LoadBalancerRef[]) {
        if (lb.ContainerPort !== contract.port)
          out.push({
            resource: service[0],
            message: `load balancer sends to port ${lb.ContainerPort}; contract port is ${contract.port}`,
          });
        const tgId = lb.TargetGroupArn?.Ref;
        const tg = tgId ? input.template.Resources?.[tgId] : undefined;
        if (!tg) continue;
        const path = tg.Properties?.HealthCheckPath;
        if (path !== contract.healthPath)
          out.push({
            resource: tgId!,
            message: `health check path ${String(path)}; contract health path is ${contract.healthPath}`,
          });
        if (tg.Properties?.Port !== contract.port)
          out.push({
            resource: tgId!,
            message: `target group port ${String(tg.Properties?.Port)}; contract port is ${contract.port}`,
          });
      }
    }
    return out;
  },
};
