import { PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, type Ctx, type Pricer } from './context';

/** Route 53 hosted zones and health checks. */
export const route53: Pricer = {
  name: 'route53',
  types: ['AWS::Route53::HostedZone', 'AWS::Route53::HealthCheck'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::Route53::HostedZone'))
      add(ctx, {
        id,
        type: r.Type,
        resource: 'Route 53 hosted zone',
        count: 1,
        unitPrice: P.route53Zone.usd,
        unit: 'zone-month',
        source: P.route53Zone.source,
        assumption: 'queries not included (alias queries to AWS resources are free)',
        regional: false,
        settings: ['edge.dns'],
      });
    const checks = resourcesOfType(ctx.stack.template, 'AWS::Route53::HealthCheck');
    if (checks.length) {
      for (const [id] of checks) ctx.priced.add(id);
      add(ctx, {
        id: checks[0]![0],
        key: 'AWS::Route53::HealthCheck',
        type: 'AWS::Route53::HealthCheck',
        resource: 'Route 53 health checks',
        count: checks.length,
        unitPrice: P.route53HealthCheck.usd,
        unit: 'check-month',
        source: P.route53HealthCheck.source,
        regional: false,
        settings: ['standby'],
      });
    }
  },
};
