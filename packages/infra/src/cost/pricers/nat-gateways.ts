import { ASSUMPTIONS as A, HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { resourcesOfType } from '../template';
import { add, type Ctx, type Pricer } from './context';

/** NAT gateways. */
export const natGateways: Pricer = {
  name: 'nat-gateways',
  types: ['AWS::EC2::NatGateway'],
  price(ctx: Ctx): void {
    const nats = resourcesOfType(ctx.stack.template, 'AWS::EC2::NatGateway');
    if (!nats.length) return;
    for (const [id] of nats) ctx.priced.add(id);
    add(ctx, {
      id: nats[0]![0],
      key: 'AWS::EC2::NatGateway',
      type: 'AWS::EC2::NatGateway',
      resource: 'NAT gateways',
      count: nats.length,
      unitPrice: (P.natHour.usd + (A.natGbPerGateway * P.natGb.usd) / H) * H,
      unit: 'gateway-month',
      source: P.natHour.source,
      assumption: `${A.natGbPerGateway} GB processed per gateway`,
      settings: ['network.nat'],
    });
  },
};
