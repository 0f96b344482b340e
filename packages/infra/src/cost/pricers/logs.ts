import { ASSUMPTIONS as A, PRICES as P } from '../prices';
import { num, refId, resourcesOfType, str, type CfnResource } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** CloudWatch log groups and VPC flow logs. */
export const logs: Pricer = {
  name: 'logs',
  types: ['AWS::Logs::LogGroup', 'AWS::EC2::FlowLog'],
  price(ctx: Ctx): void {
    const flowGroups = new Set(
      resourcesOfType(ctx.stack.template, 'AWS::EC2::FlowLog').map(([, f]) => refId(props(f).LogGroupName)),
    );
    const flowLogs = resourcesOfType(ctx.stack.template, 'AWS::EC2::FlowLog');
    for (const [id, r] of flowLogs) {
      add(ctx, {
        id,
        type: r.Type,
        resource: `VPC flow logs (${str(props(r).TrafficType) ?? 'ALL'})`,
        count: 1,
        unitPrice: A.flowLogGb * P.vendedLogsGb.usd,
        unit: 'flow log-month',
        source: P.vendedLogsGb.source,
        assumption: `${A.flowLogGb} GB/month delivered to CloudWatch Logs`,
        settings: ['network.flowLogs'],
      });
    }
    const groups = resourcesOfType(ctx.stack.template, 'AWS::Logs::LogGroup').filter(([id]) => {
      if (!flowGroups.has(id)) return true;
      ctx.priced.add(id);
      return false;
    });
    if (!groups.length) return;
    for (const [id] of groups) ctx.priced.add(id);
    // Stored volume at steady state: each month's ingest kept for the retention period (capped at a year here).
    const retentionMonths = (r: CfnResource) => Math.min(12, (num(props(r).RetentionInDays) ?? 365) / 30);
    const avgStorage = groups.reduce((s, [, r]) => s + retentionMonths(r), 0) / groups.length;
    add(ctx, {
      id: groups[0]![0],
      key: 'AWS::Logs::LogGroup',
      type: 'AWS::Logs::LogGroup',
      resource: 'CloudWatch log groups (services, jobs, database)',
      count: groups.length,
      unitPrice: A.logGbPerGroup * (P.logsIngestGb.usd + avgStorage * P.logsStorageGb.usd),
      unit: 'group-month',
      source: P.logsIngestGb.source,
      assumption: `${A.logGbPerGroup} GB ingested per group per month, kept for its retention`,
      settings: ['logRetentionDays'],
    });
  },
};
