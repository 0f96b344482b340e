import { ASSUMPTIONS as A, EC2_HOURLY, EC2_SOURCE, HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { readableId, resourcesOfType, str } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** EC2 instances (the bastion). */
export const instances: Pricer = {
  name: 'instances',
  types: ['AWS::EC2::Instance'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::EC2::Instance')) {
      const type = str(props(r).InstanceType) ?? 'unknown';
      const hourly = EC2_HOURLY[type];
      if (hourly === undefined) {
        ctx.warnings.push(`${readableId(id)}: no price for instance type ${type}; not priced`);
        continue;
      }
      const label = /bastion/i.test(id) ? 'bastion' : readableId(id);
      add(ctx, {
        id,
        type: r.Type,
        resource: `${label}: EC2 ${type}`,
        count: 1,
        unitPrice: hourly * H + A.ebsRootGb * P.ebsGp3Gb.usd,
        unit: 'instance-month',
        source: EC2_SOURCE,
        assumption: `running all month, ${A.ebsRootGb} GB gp3 root volume`,
        settings: /bastion/i.test(id) ? ['bastion.instanceType'] : [],
      });
    }
  },
};
