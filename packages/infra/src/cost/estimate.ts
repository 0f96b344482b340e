import { PRICE_REGION, PRICES_AS_OF, REGION_MULTIPLIERS } from './prices';
import { PRICERS, type CostLine, type Ctx } from './pricers';
import type { CfnTemplate, StackTemplate } from './template';

export type { CostLine } from './pricers';

/**
 * The monthly estimate of an environment: each pricer in pricers/ prices the resource types it declares; this file
 * runs them over every stack and collects what nobody priced.
 */
export interface CostEstimate {
  readonly app?: string;
  readonly env: string;
  readonly currency: 'USD';
  /** Sum of the lines, unrounded. */
  readonly monthly: number;
  readonly lines: readonly CostLine[];
  readonly pricesAsOf: string;
  /** The region the price table quotes; other regions are priced by a multiplier on it. */
  readonly priceRegion: string;
  /** How each region was priced. */
  readonly regions: readonly {
    readonly region: string;
    readonly multiplier: number;
    readonly note: string;
  }[];
  /** Resource types present but not priced (free, or usage-based and negligible at this scale), with counts. */
  readonly notPriced: Readonly<Record<string, number>>;
  /** Resources the estimator could not price (an instance type missing from the table), in words. */
  readonly warnings: readonly string[];
}

/** Types that cost nothing by themselves (or only through what they route / attach). */
const FREE = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::LaunchTemplate',
  'AWS::EC2::FlowLog',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::OIDCProvider',
  'AWS::ECS::Cluster',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'AWS::ECS::CapacityProvider',
  'AWS::ECS::TaskDefinition',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::CertificateManager::Certificate',
  'AWS::RDS::DBSubnetGroup',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::ElastiCache::ParameterGroup',
  'AWS::S3::BucketPolicy',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::Route53::RecordSet',
  'AWS::Route53::RecordSetGroup',
  'AWS::SES::ConfigurationSetEventDestination',
  'AWS::SNS::TopicPolicy',
  'AWS::WAFv2::WebACLAssociation',
  'AWS::WAFv2::LoggingConfiguration',
  'AWS::SNS::Subscription',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::CDK::Metadata',
  'AWS::Lambda::Permission',
  'AWS::SSM::Parameter',
  'AWS::Logs::SubscriptionFilter',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::OriginRequestPolicy',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::KMS::Alias',
  'AWS::EC2::EIPAssociation',
]);

/** Prices every stack of one environment: the app's stack and, when there is one, the standby region's. */
export function estimateStacks(
  stacks: readonly StackTemplate[],
  meta: { readonly env: string; readonly app?: string },
): CostEstimate {
  const lines: CostLine[] = [];
  const warnings: string[] = [];
  const notPriced: Record<string, number> = {};
  const regions = new Map<string, { region: string; multiplier: number; note: string }>();
  for (const stack of stacks) {
    const { multiplier, note } = regionMultiplier(stack.region);
    regions.set(stack.region, { region: stack.region, multiplier, note });
    const ctx: Ctx = { stack, multiplier, lines, warnings, priced: new Set() };
    priceTemplate(ctx);
    for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
      if (ctx.priced.has(id) || FREE.has(r.Type) || r.Type.startsWith('Custom::')) continue;
      notPriced[r.Type] = (notPriced[r.Type] ?? 0) + 1;
    }
  }
  const monthly = lines.reduce((sum, l) => sum + l.monthly, 0);
  return {
    ...(meta.app ? { app: meta.app } : {}),
    env: meta.env,
    currency: 'USD',
    monthly,
    lines,
    pricesAsOf: PRICES_AS_OF,
    priceRegion: PRICE_REGION,
    regions: [...regions.values()],
    notPriced: Object.fromEntries(Object.entries(notPriced).sort(([a], [b]) => a.localeCompare(b))),
    warnings,
  };
}

/** Prices one template alone (what the unit tests use). */
export function estimateTemplate(
  template: CfnTemplate,
  options: { readonly region?: string; readonly stackName?: string; readonly env?: string } = {},
): CostEstimate {
  return estimateStacks(
    [{ stackName: options.stackName ?? 'stack', region: options.region ?? PRICE_REGION, template }],
    { env: options.env ?? 'test' },
  );
}

export function regionMultiplier(region: string): { multiplier: number; note: string } {
  const m = REGION_MULTIPLIERS[region];
  if (m === undefined)
    return {
      multiplier: 1,
      note: `${region} is not in the regional table: approximated by ${PRICE_REGION} prices`,
    };
  if (region === PRICE_REGION) return { multiplier: 1, note: `${PRICE_REGION} list prices` };
  return { multiplier: m, note: `${PRICE_REGION} prices × ${m} (approximate regional level)` };
}

function priceTemplate(ctx: Ctx): void {
  for (const pricer of PRICERS) {
    ctx.pricer = pricer;
    pricer.price(ctx);
  }
  delete ctx.pricer;
}
