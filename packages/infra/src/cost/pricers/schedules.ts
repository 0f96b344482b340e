import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { runsPerMonth } from '../schedule';
import { num, readableId, refId, resourcesOfType, str, type CfnResource } from '../template';
import { add, props, type Ctx, type Pricer } from './context';
import { fargateHourly, spotShare, taskSize } from './tasks';

/** Scheduled jobs: invocations and task runs. */
export const schedules: Pricer = {
  name: 'schedules',
  types: ['AWS::Scheduler::Schedule', 'AWS::Events::Rule'],
  price(ctx: Ctx): void {
    const all: [string, CfnResource, string, Record<string, unknown> | undefined, unknown][] = [];
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::Scheduler::Schedule')) {
      const p = props(r);
      const target = (p.Target ?? {}) as Record<string, unknown>;
      all.push([
        id,
        r,
        p.State === 'DISABLED' ? '' : (str(p.ScheduleExpression) ?? ''),
        target.EcsParameters as Record<string, unknown> | undefined,
        target.Input,
      ]);
    }
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::Events::Rule')) {
      const p = props(r);
      const expr = str(p.ScheduleExpression);
      if (!expr) continue;
      const target = ((p.Targets as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
      all.push([
        id,
        r,
        p.State === 'DISABLED' ? '' : expr,
        target.EcsParameters as Record<string, unknown> | undefined,
        target.Input,
      ]);
    }
    for (const [id, r, expr, ecs, input] of all) {
      const runs = expr ? runsPerMonth(expr) : 0;
      const named = str(props(r).Name);
      const prefix = `${ctx.stack.stackName}-`;
      const job = named ? (named.startsWith(prefix) ? named.slice(prefix.length) : named) : undefined;
      const name = job ? `job ${job}` : readableId(id);
      if (r.Type === 'AWS::Scheduler::Schedule') {
        add(ctx, {
          id: `${id}/Invocations`,
          type: r.Type,
          resource: `${name}: scheduler invocations`,
          count: runs / 1e6,
          unitPrice: P.schedulerMillion.usd,
          unit: 'million invocations',
          source: P.schedulerMillion.source,
          assumption: 'the 14 M free invocations a month not deducted',
          settings: job ? [`jobs.${job}.schedule`] : [],
        });
      }
      if (!ecs) {
        ctx.priced.add(id);
        continue;
      }
      const base = taskSize(ctx, refId(ecs.TaskDefinitionArn));
      const overrides = parseInput(input);
      const cpu = num(overrides?.cpu);
      const memory = num(overrides?.memory);
      const size = base
        ? {
            ...base,
            vcpu: cpu !== undefined ? cpu / 1024 : base.vcpu,
            gb: memory !== undefined ? memory / 1024 : base.gb,
          }
        : undefined;
      if (!size) {
        ctx.warnings.push(`${name}: the job's task size is not literal; its runs are not priced`);
        ctx.priced.add(id);
        continue;
      }
      const share = spotShare(ctx, ecs) ?? 0;
      const perRun =
        fargateHourly(size) * (A.jobMinutesPerRun / 60) * (1 - share * P.fargateSpotDiscount.usd);
      add(ctx, {
        id,
        type: r.Type,
        resource: `${name}: runs (${expr || 'disabled'}; ${size.vcpu} vCPU / ${size.gb} GB)`,
        count: runs,
        unitPrice: perRun,
        unit: 'run',
        source: P.fargateVcpuX86.source,
        assumption: `${A.jobMinutesPerRun} minutes per run`,
        settings: job ? [`jobs.${job}.schedule`, `jobs.${job}.size`] : [],
      });
      // A run in a public subnet holds a public IPv4 address while it runs (the same price in every region).
      const network = (
        ecs.NetworkConfiguration as { AwsvpcConfiguration?: Record<string, unknown> } | undefined
      )?.AwsvpcConfiguration;
      if (network?.AssignPublicIp === 'ENABLED')
        add(ctx, {
          id: `${id}/PublicIp`,
          type: r.Type,
          resource: `${name}: public IPv4 address while a run lasts`,
          count: runs,
          unitPrice: P.publicIpv4Hour.usd * (A.jobMinutesPerRun / 60),
          unit: 'run',
          source: P.publicIpv4Hour.source,
          assumption: `${A.jobMinutesPerRun} minutes per run`,
          regional: false,
          settings: ['network.publicTasks'],
        });
    }
  },
};

/** The RunTask overrides a schedule passes as its target's Input (a JSON string or a Fn::ToJsonString object). */
function parseInput(input: unknown): Record<string, unknown> | undefined {
  if (typeof input === 'string') {
    try {
      return JSON.parse(input) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  const obj = (input as { 'Fn::ToJsonString'?: unknown } | undefined)?.['Fn::ToJsonString'];
  return obj && typeof obj === 'object' ? (obj as Record<string, unknown>) : undefined;
}
