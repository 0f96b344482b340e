import { resourcesOfType, type BerthRule, type RuleViolation } from './rule';

/** A failed deployment rolls back by itself, and never drops below the running task count. */
export const CircuitBreakerWithRollback: BerthRule = {
  id: 'Berth-CircuitBreakerWithRollback',
  description: 'ECS services deploy with a circuit breaker that rolls back, at 100% minimum healthy',
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    for (const [id, s] of resourcesOfType(input.template, 'AWS::ECS::Service')) {
      const conf = s.Properties?.DeploymentConfiguration as
        | {
            DeploymentCircuitBreaker?: { Enable?: boolean; Rollback?: boolean };
            MinimumHealthyPercent?: number;
          }
        | undefined;
      const breaker = conf?.DeploymentCircuitBreaker;
      if (!breaker?.Enable || !breaker.Rollback)
        out.push({ resource: id, message: 'deployment circuit breaker with rollback is not enabled' });
      if ((conf?.MinimumHealthyPercent ?? 0) < 100)
        out.push({
          resource: id,
          message: `minimum healthy percent is ${conf?.MinimumHealthyPercent ?? 'unset'}; 100 keeps capacity during deploys`,
        });
    }
    return out;
  },
};
