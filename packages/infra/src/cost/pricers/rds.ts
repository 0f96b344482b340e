import { HOURS_PER_MONTH as H, PRICES as P, RDS_HOURLY, RDS_SOURCE } from '../prices';
import { num, readableId, refId, resourcesOfType, str } from '../template';
import { add, props, res, type Ctx, type Pricer } from './context';

/** RDS instances and their storage. */
export const rdsInstances: Pricer = {
  name: 'rds',
  types: ['AWS::RDS::DBInstance'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::RDS::DBInstance')) {
      const p = props(r);
      if (p.DBClusterIdentifier !== undefined) continue;
      const cls = str(p.DBInstanceClass) ?? 'unknown';
      const hourly = RDS_HOURLY[cls];
      const source =
        p.SourceDBInstanceIdentifier !== undefined
          ? res(ctx, refId(p.SourceDBInstanceIdentifier))
          : undefined;
      const replica = p.SourceDBInstanceIdentifier !== undefined;
      if (hourly === undefined) {
        ctx.warnings.push(`${readableId(id)}: no price for ${cls}; not priced`);
        continue;
      }
      const multiAz = p.MultiAZ === true || p.MultiAZ === 'true';
      const factor = multiAz ? 2 : 1;
      add(ctx, {
        id,
        type: r.Type,
        resource: `RDS PostgreSQL ${cls}${multiAz ? ' Multi-AZ' : ''}${replica ? ' (read replica)' : ''}`,
        count: factor,
        unitPrice: hourly * H,
        unit: 'instance-month',
        source: RDS_SOURCE,
        assumption: multiAz ? 'Multi-AZ: a standby instance billed like the primary' : undefined,
        settings: replica
          ? ['database.readReplica', 'database.instanceClass']
          : ['database.instanceClass', 'database.multiAz'],
      });
      const gb = num(p.AllocatedStorage) ?? num(props(source).AllocatedStorage) ?? 20;
      add(ctx, {
        id: `${id}/Storage`,
        type: r.Type,
        resource: `RDS storage ${gb} GB gp3${multiAz ? ' Multi-AZ' : ''}${replica ? ' (read replica)' : ''}`,
        count: gb * factor,
        unitPrice: P.rdsGp3Gb.usd,
        unit: 'GB-month',
        source: P.rdsGp3Gb.source,
        assumption: 'allocated storage; autoscaling beyond it costs more',
        settings: ['database.storage.allocated'],
      });
    }
  },
};
