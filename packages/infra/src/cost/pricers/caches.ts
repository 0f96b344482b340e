import { ELASTICACHE_HOURLY, ELASTICACHE_SOURCE, HOURS_PER_MONTH as H, PRICES as P } from '../prices';
import { num, readableId, resourcesOfType, str } from '../template';
import { add, props, type Ctx, type Pricer } from './context';

/** ElastiCache nodes. */
export const caches: Pricer = {
  name: 'caches',
  types: ['AWS::ElastiCache::ReplicationGroup', 'AWS::ElastiCache::CacheCluster'],
  price(ctx: Ctx): void {
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ElastiCache::ReplicationGroup')) {
      const p = props(r);
      const nodes =
        num(p.NumCacheClusters) ?? (num(p.NumNodeGroups) ?? 1) * ((num(p.ReplicasPerNodeGroup) ?? 0) + 1);
      cacheLine(ctx, id, r.Type, str(p.CacheNodeType), str(p.Engine), nodes);
    }
    for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ElastiCache::CacheCluster')) {
      const p = props(r);
      cacheLine(ctx, id, r.Type, str(p.CacheNodeType), str(p.Engine), num(p.NumCacheNodes) ?? 1);
    }
  },
};

function cacheLine(
  ctx: Ctx,
  id: string,
  type: string,
  nodeType: string | undefined,
  engine: string | undefined,
  nodes: number,
): void {
  const hourly = ELASTICACHE_HOURLY[nodeType ?? ''];
  if (hourly === undefined) {
    ctx.warnings.push(`${readableId(id)}: no price for ${nodeType}; not priced`);
    return;
  }
  const valkey = engine === 'valkey';
  add(ctx, {
    id,
    type,
    resource: `ElastiCache ${engine ?? 'redis'} nodes (${nodeType})`,
    count: nodes,
    unitPrice: hourly * (valkey ? 1 - P.valkeyDiscount.usd : 1) * H,
    unit: 'node-month',
    source: ELASTICACHE_SOURCE,
    settings: ['cache.nodeType', 'cache.nodes'],
  });
}
