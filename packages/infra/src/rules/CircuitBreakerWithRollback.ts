import { resourcesOfType, type BerthRule, type RuleViolation } from './rule';

/**
 * A failed deployment rolls back by itself, and never drops below the running task count: a rolling service through
 * its circuit breaker, a canary, linear or blue/green one through its alarms (ECS applies the circuit breaker to
 * rolling updates only: API_DeploymentCircuitBreaker).
 */
export const CircuitBreakerWithRollback: BerthRule = {
  id: 'Berth-CircuitBreakerWithRollback',
  description:
    'ECS services roll a failed deployment back (rolling: circuit breaker; canary, linear, blue/green: alarms), at 100% minimum healthy',
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    for (const [id, s] of resourcesOfType(input.template, 'AWS::ECS::Service')) {
      const conf = s.Properties?.DeploymentConfiguration as
        | {
            Strategy?: string;
            DeploymentCircuitBreaker?: { Enable?: boolean; Rollback?: boolean };
            Alarms?: { Enable?: boolean; Rollback?: boolean; AlarmNames?: unknown[] };
            MinimumHealthyPercent?: number;
          }
        | undefined;
      const strategy = conf?.Strategy ?? 'ROLLING';
      if (strategy === 'ROLLING') {
        const breaker = conf?.DeploymentCircuitBreaker;
        if (!breaker?.Enable || !breaker.Rollback)
          out.push({ resource: id, message: 'deployment circuit breaker with rollback is not enabled' });
      } else {
        const alarms = conf?.Alarms;
        if (!alarms?.Enable || !alarms.Rollback || !alarms.AlarmNames?.length)
          out.push({
            resource: id,
            message: `a ${strategy} deployment rolls back on its alarms (ECS applies the circuit breaker to rolling updates only), and none roll it back`,
          });
      }
      if ((conf?.MinimumHealthyPercent ?? 0) < 100)
        out.push({
          resource: id,
          message: `minimum healthy percent is ${conf?.MinimumHealthyPercent ?? 'unset'}; 100 keeps capacity during deploys`,
        });
    }
    return out;
  },
};
