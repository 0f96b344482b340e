import { ASSUMPTIONS as A, HOURS_PER_MONTH as H, PRICES as P, RDS_HOURLY, RDS_SOURCE } from '../prices';
import { num, readableId, refId, resourcesOfType, str } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** Aurora clusters: compute, instances, storage. */
export const auroraClusters: Pricer = {
  name: 'aurora',
  types: ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance'],
  price(ctx: Ctx): void {
    const dbInstances = resourcesOfType(ctx.stack.template, 'AWS::RDS::DBInstance');
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::RDS::DBCluster')) {
      const p = props(r);
      const members = dbInstances.filter(([, i]) => refId(props(i).DBClusterIdentifier) === id);
      for (const [mid] of members) ctx.priced.add(mid);
      const scaling = p.ServerlessV2ScalingConfiguration as Record<string, unknown> | undefined;
      const serverless = members.filter(([, i]) => props(i).DBInstanceClass === 'db.serverless');
      const provisioned = members.filter(([, i]) => props(i).DBInstanceClass !== 'db.serverless');
      const minAcu = num(scaling?.MinCapacity) ?? 0.5;
      if (serverless.length) {
        const pauses = minAcu === 0;
        const readers = serverless.length - 1;
        const roles = readers === 0 ? 'writer' : `writer + ${readers} reader${readers === 1 ? '' : 's'}`;
        add(ctx, {
          id,
          type: r.Type,
          resource: `Aurora Serverless v2 compute (${minAcu} ACU minimum × ${serverless.length} instance${serverless.length === 1 ? '' : 's'}: ${roles})`,
          count: pauses ? 0 : serverless.length,
          unitPrice: minAcu * P.auroraAcuHour.usd * H,
          unit: 'instance-month at the minimum',
          source: P.auroraAcuHour.source,
          assumption: pauses
            ? 'min 0 ACU: pauses when idle; compute is paid only while it runs (not estimated)'
            : `baseline at the minimum ACU all month; scaling up to ${num(scaling?.MaxCapacity) ?? '?'} ACU costs more`,
          settings: ['database.minAcu', 'database.multiAz'],
        });
      }
      for (const [mid, m] of provisioned) {
        const cls = str(props(m).DBInstanceClass) ?? 'unknown';
        const hourly = RDS_HOURLY[cls];
        if (hourly === undefined) {
          ctx.warnings.push(`${readableId(mid)}: no price for ${cls}; not priced`);
          continue;
        }
        add(ctx, {
          id: mid,
          type: m.Type,
          resource: `Aurora instance ${cls}`,
          count: 1,
          unitPrice: hourly * H,
          unit: 'instance-month',
          source: RDS_SOURCE,
          assumption: 'approximated by the RDS for PostgreSQL price of the class',
          settings: ['database.instanceClass', 'database.multiAz'],
        });
      }
      add(ctx, {
        id: `${id}/Storage`,
        type: r.Type,
        resource: 'Aurora storage and I/O',
        count: 1,
        unitPrice: A.auroraStorageGb * P.auroraStorageGb.usd + A.auroraIoMillions * P.auroraIoMillion.usd,
        unit: 'cluster-month',
        source: P.auroraStorageGb.source,
        assumption: `${A.auroraStorageGb} GB stored, ${A.auroraIoMillions} M I/O requests`,
      });
    }
  },
};
