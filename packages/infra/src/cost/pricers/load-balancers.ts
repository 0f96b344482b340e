import { ASSUMPTIONS as A, HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** Load balancers and their public IPs. */
export const loadBalancers: Pricer = {
  name: 'load-balancers',
  types: ['AWS::ElasticLoadBalancingV2::LoadBalancer'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const p = props(r);
      const network = p.Type === 'network';
      const hourly = network ? P.nlbHour.usd : P.albHour.usd;
      const lcu = network ? P.nlbLcuHour.usd : P.albLcuHour.usd;
      add(ctx, {
        id,
        type: r.Type,
        resource: `${network ? 'Network' : 'Application'} Load Balancer`,
        count: 1,
        unitPrice: (hourly + A.albLcus * lcu) * H,
        unit: 'load balancer-month',
        source: P.albHour.source,
        assumption: `${A.albLcus} LCU on average`,
      });
      const subnets = Array.isArray(p.Subnets)
        ? p.Subnets.length
        : Array.isArray(p.SubnetMappings)
          ? p.SubnetMappings.length
          : 0;
      if (p.Scheme === 'internet-facing' && subnets > 0) {
        add(ctx, {
          id: `${id}/PublicIp`,
          type: r.Type,
          resource: 'Load balancer public IPv4 addresses (one per AZ)',
          count: subnets,
          unitPrice: P.publicIpv4Hour.usd * H,
          unit: 'address-month',
          source: P.publicIpv4Hour.source,
          regional: false,
          settings: ['network.azs'],
        });
      }
    }
  },
};
