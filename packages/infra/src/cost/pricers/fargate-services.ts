import { HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { num, readableId, refId, referencedIds, resourcesOfType } from '../template';
import { add, props, serviceName, type Ctx, type Pricer } from './context';
import { fargateHourly, spotShare, taskSize } from './tasks';

/** Fargate service tasks and their public IPs. */
export const fargateServices: Pricer = {
  name: 'fargate-services',
  types: ['AWS::ECS::Service'],
  price(ctx: Ctx): void {
    const targets = resourcesOfType(ctx.stack.template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ECS::Service')) {
      const p = props(r);
      const size = taskSize(ctx, refId(p.TaskDefinition));
      const name = size?.family ?? readableId(id);
      const target = targets.find(([, t]) => referencedIds(props(t).ResourceId).has(id));
      const min = target ? num(props(target[1]).MinCapacity) : undefined;
      const count = min ?? num(p.DesiredCount) ?? 1;
      const share = spotShare(ctx, p);
      if (share === null) {
        ctx.priced.add(id);
        continue; // on EC2 capacity: the instances are the cost (ec2Capacity)
      }
      if (!size) {
        ctx.warnings.push(`${name}: the task definition's cpu/memory are not literal values; not priced`);
        continue;
      }
      const hourly = fargateHourly(size) * (1 - share * P.fargateSpotDiscount.usd);
      const capacity = share === 0 ? 'on demand' : share === 1 ? 'Spot' : `${Math.round(share * 100)}% Spot`;
      const service = `services.${serviceName(ctx, name)}`;
      add(ctx, {
        id,
        type: r.Type,
        resource: `${name}: Fargate tasks (${size.vcpu} vCPU / ${size.gb} GB, ${size.arm ? 'arm64' : 'x86_64'}, ${capacity})`,
        count,
        unitPrice: hourly * H,
        unit: 'task-month',
        source: P.fargateVcpuX86.source,
        assumption: `${target ? 'autoscaling minimum' : 'desired count'} ${count} running all month${share > 0 ? `; Spot at ${P.fargateSpotDiscount.usd * 100}% off on-demand` : ''}`,
        settings: [`${service}.scaling.min`, `${service}.cpu`, `${service}.memory`, `${service}.capacity`],
      });
      const network = ((p.NetworkConfiguration ?? {}) as Record<string, unknown>).AwsvpcConfiguration as
        Record<string, unknown> | undefined;
      if (network?.AssignPublicIp === 'ENABLED') {
        add(ctx, {
          id: `${id}/PublicIp`,
          type: r.Type,
          resource: `${name}: public IPv4 address per task`,
          count,
          unitPrice: P.publicIpv4Hour.usd * H,
          unit: 'address-month',
          source: P.publicIpv4Hour.source,
          regional: false,
          settings: ['network.publicTasks'],
        });
      }
    }
  },
};
