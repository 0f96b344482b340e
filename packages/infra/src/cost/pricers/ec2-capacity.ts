import { ASSUMPTIONS as A, EC2_HOURLY, EC2_SOURCE, HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { num, readableId, refId, resourcesOfType, str } from '../template';
import { add, props, res, type Ctx, type Pricer } from './context';

/** EC2 capacity of ECS (Auto Scaling groups). */
export const ec2Capacity: Pricer = {
  name: 'ec2-capacity',
  types: ['AWS::AutoScaling::AutoScalingGroup'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::AutoScaling::AutoScalingGroup')) {
      const p = props(r);
      const type = instanceTypeOfAsg(ctx, p) ?? 'unknown';
      const min = num(p.MinSize) ?? 0;
      const hourly = EC2_HOURLY[type];
      if (hourly === undefined) {
        ctx.warnings.push(`${readableId(id)}: no price for instance type ${type}; not priced`);
        continue;
      }
      add(ctx, {
        id,
        type: r.Type,
        resource: `EC2 capacity: ${type} instances (${readableId(id)})`,
        count: min,
        unitPrice: hourly * H + A.ec2CapacityRootGb * P.ebsGp3Gb.usd,
        unit: 'instance-month',
        source: EC2_SOURCE,
        assumption: `minimum size ${min} running all month, ${A.ec2CapacityRootGb} GB gp3 root volume each`,
        settings: ['ec2.instanceType', 'ec2.minInstances'],
      });
    }
  },
};

function instanceTypeOfAsg(ctx: Ctx, p: Record<string, unknown>): string | undefined {
  const lt = p.LaunchTemplate as { LaunchTemplateId?: unknown } | undefined;
  const fromLt = (ref: unknown) =>
    str(((props(res(ctx, refId(ref))).LaunchTemplateData ?? {}) as Record<string, unknown>).InstanceType);
  if (lt) return fromLt(lt.LaunchTemplateId);
  const mixed = p.MixedInstancesPolicy as
    { LaunchTemplate?: { LaunchTemplateSpecification?: { LaunchTemplateId?: unknown } } } | undefined;
  const spec = mixed?.LaunchTemplate?.LaunchTemplateSpecification;
  if (spec) return fromLt(spec.LaunchTemplateId);
  return str(props(res(ctx, refId(p.LaunchConfigurationName))).InstanceType);
}
