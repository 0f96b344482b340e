import { HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { readableId, resourcesOfType } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** VPC interface endpoints. */
export const endpoints: Pricer = {
  name: 'endpoints',
  types: ['AWS::EC2::VPCEndpoint'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::EC2::VPCEndpoint')) {
      const p = props(r);
      if (p.VpcEndpointType !== 'Interface') {
        ctx.priced.add(id); // gateway endpoints (S3, DynamoDB) are free
        continue;
      }
      const azs = Array.isArray(p.SubnetIds) ? p.SubnetIds.length : 1;
      add(ctx, {
        id,
        type: r.Type,
        resource: `Interface endpoint ${endpointService(p.ServiceName) ?? readableId(id)} (${azs} AZ${azs === 1 ? '' : 's'})`,
        count: azs,
        unitPrice: P.interfaceEndpointAzHour.usd * H,
        unit: 'endpoint-AZ-month',
        source: P.interfaceEndpointAzHour.source,
        assumption: 'data processed ($0.01/GB) not included',
        settings: ['network.endpoints', 'network.azs'],
      });
    }
  },
};

function endpointService(name: unknown): string | undefined {
  if (typeof name === 'string') return name.split('.').slice(3).join('.') || name;
  const join = (name as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  const last = join?.[1]?.[join[1].length - 1];
  return typeof last === 'string' ? last.replace(/^\./, '') : undefined;
}
