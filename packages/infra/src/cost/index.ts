import type { ResolvedApp } from '@berthjs/config';
import { stackTemplates } from './assembly';
import { estimateStacks, type CostEstimate } from './estimate';

export {
  estimateStacks,
  estimateTemplate,
  regionMultiplier,
  type CostEstimate,
  type CostLine,
} from './estimate';
export {
  PRICES,
  PRICES_AS_OF,
  PRICE_REGION,
  HOURS_PER_MONTH,
  ASSUMPTIONS,
  REGION_MULTIPLIERS,
  EC2_HOURLY,
  RDS_HOURLY,
  ELASTICACHE_HOURLY,
  type Price,
} from './prices';
export { runsPerMonth } from './schedule';
export { compareEstimates, type ComparisonRow } from './compare';
export { costDrivers, type CostDriver } from './drivers';
export { PRICERS, type Pricer } from './pricers';
export { stackTemplates } from './assembly';
export type { CfnTemplate, CfnResource, StackTemplate } from './template';

/** Synthesizes one environment and prices what would be deployed: the template, not the config. */
export function estimateCost(resolved: ResolvedApp): CostEstimate {
  return estimateStacks(stackTemplates(resolved), { env: resolved.stage, app: resolved.app });
}
