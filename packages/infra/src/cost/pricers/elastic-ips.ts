import { HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, type Ctx, type Pricer } from './context';

/** Elastic IP addresses. */
export const elasticIps: Pricer = {
  name: 'elastic-ips',
  types: ['AWS::EC2::EIP'],
  price(ctx: Ctx): void {
    const eips = resourcesOfType(ctx.stack.template, 'AWS::EC2::EIP');
    if (!eips.length) return;
    for (const [id] of eips) ctx.priced.add(id);
    add(ctx, {
      id: eips[0]![0],
      key: 'AWS::EC2::EIP',
      type: 'AWS::EC2::EIP',
      resource: 'Elastic IP addresses',
      count: eips.length,
      unitPrice: P.publicIpv4Hour.usd * H,
      unit: 'address-month',
      source: P.publicIpv4Hour.source,
      regional: false,
      settings: ['network.nat'],
    });
  },
};
