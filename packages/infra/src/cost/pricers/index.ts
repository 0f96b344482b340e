import type { Pricer } from './context';
import { auroraClusters } from './aurora';
import { caches } from './caches';
import { cloudFront } from './cloudfront';
import { ec2Capacity } from './ec2-capacity';
import { elasticIps } from './elastic-ips';
import { endpoints } from './endpoints';
import { fargateServices } from './fargate-services';
import { instances } from './instances';
import { loadBalancers } from './load-balancers';
import { logs } from './logs';
import { mail } from './mail';
import { natGateways } from './nat-gateways';
import { simpleCounts } from './per-resource';
import { rdsInstances } from './rds';
import { route53 } from './route53';
import { schedules } from './schedules';
import { buckets } from './storage';

export { type CostLine, type Ctx, type Pricer } from './context';

/**
 * Every pricer, in the order their lines appear. Aurora runs before RDS: it claims the cluster's member instances, so
 * the RDS pricer skips them (it prices instances outside a cluster only).
 */
export const PRICERS: readonly Pricer[] = [
  fargateServices,
  ec2Capacity,
  loadBalancers,
  natGateways,
  elasticIps,
  endpoints,
  auroraClusters,
  rdsInstances,
  caches,
  cloudFront,
  route53,
  simpleCounts,
  logs,
  mail,
  buckets,
  schedules,
  instances,
];
