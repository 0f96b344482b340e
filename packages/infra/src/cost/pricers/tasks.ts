import { PRICES as P } from '../prices';
import { num, readableId, refId, str } from '../template';
import { props, res, type Ctx } from './context';

/** A task definition's size, read from the template: shared by the Fargate service and scheduled job pricers. */
export interface TaskSize {
  readonly vcpu: number;
  readonly gb: number;
  readonly arm: boolean;
  readonly family: string;
}

export function taskSize(ctx: Ctx, taskDefinitionId: string | undefined): TaskSize | undefined {
  const td = props(res(ctx, taskDefinitionId));
  const cpu = num(td.Cpu);
  const memory = num(td.Memory);
  if (cpu === undefined || memory === undefined) return undefined;
  const platform = (td.RuntimePlatform ?? {}) as Record<string, unknown>;
  return {
    vcpu: cpu / 1024,
    gb: memory / 1024,
    arm: platform.CpuArchitecture === 'ARM64',
    family: str(td.Family) ?? readableId(taskDefinitionId ?? 'task'),
  };
}

/** USD per task-hour on demand. */
export function fargateHourly(size: { vcpu: number; gb: number; arm: boolean }): number {
  return size.arm
    ? size.vcpu * P.fargateVcpuArm.usd + size.gb * P.fargateGbArm.usd
    : size.vcpu * P.fargateVcpuX86.usd + size.gb * P.fargateGbX86.usd;
}

/** Share of tasks on FARGATE_SPOT, from the capacity provider strategy's weights; null when on EC2 capacity. */
export function spotShare(ctx: Ctx, p: Record<string, unknown>): number | null {
  const strategy = p.CapacityProviderStrategy as
    { CapacityProvider?: unknown; Weight?: unknown }[] | undefined;
  if (!strategy?.length) return p.LaunchType === 'EC2' ? null : 0;
  let spot = 0;
  let total = 0;
  for (const s of strategy) {
    const weight = num(s.Weight) ?? 0;
    const name = str(s.CapacityProvider);
    if (name !== 'FARGATE' && name !== 'FARGATE_SPOT') {
      // A custom capacity provider (a Ref to AWS::ECS::CapacityProvider): EC2 instances, priced with the ASG.
      if (res(ctx, refId(s.CapacityProvider)) || name === undefined) return null;
    }
    total += weight;
    if (name === 'FARGATE_SPOT') spot += weight;
  }
  return total > 0 ? spot / total : 0;
}
