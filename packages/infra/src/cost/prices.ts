/**
 * Every figure `berth cost` uses, in one place: us-east-1 on-demand list prices in USD, each with the AWS pricing page
 * it comes from. Update the figures and PRICES_AS_OF together; docs/cost.md describes the method.
 *
 * Other regions are priced by multiplying with REGION_MULTIPLIERS (approximate, from the Fargate vCPU-hour ratio of
 * each region to us-east-1), except the figures marked `everyRegion`, which AWS charges alike in every region; a
 * region missing there is priced at us-east-1 prices, and the estimate says so.
 */
export const PRICES_AS_OF = '2026-11-01';
export const PRICE_REGION = 'us-east-1';
/** Hours in a month, as AWS's own calculator counts them. */
export const HOURS_PER_MONTH = 730;

export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  /**
   * Set when AWS charges this figure in every region alike: where that was read. Lines made only of such figures take
   * no regional multiplier.
   */
  readonly everyRegion?: string;
}

const FARGATE = 'https://aws.amazon.com/fargate/pricing/';
const ELB = 'https://aws.amazon.com/elasticloadbalancing/pricing/';
const VPC = 'https://aws.amazon.com/vpc/pricing/';
const PRIVATELINK = 'https://aws.amazon.com/privatelink/pricing/';
const AURORA = 'https://aws.amazon.com/rds/aurora/pricing/';
const RDS = 'https://aws.amazon.com/rds/postgresql/pricing/';
const ELASTICACHE = 'https://aws.amazon.com/elasticache/pricing/';
const CLOUDFRONT = 'https://aws.amazon.com/cloudfront/pricing/';
const ROUTE53 = 'https://aws.amazon.com/route53/pricing/';
const SECRETS = 'https://aws.amazon.com/secrets-manager/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const SES = 'https://aws.amazon.com/ses/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const EVENTBRIDGE = 'https://aws.amazon.com/eventbridge/pricing/';
const EC2 = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const EBS = 'https://aws.amazon.com/ebs/pricing/';
const ECR = 'https://aws.amazon.com/ecr/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const WAF = 'https://aws.amazon.com/waf/pricing/';

const p = (usd: number, unit: string, source: string): Price => Object.freeze({ usd, unit, source });
/** A figure AWS charges alike in every region, with the page that says so. */
const flat = (usd: number, unit: string, source: string, everyRegion: string): Price =>
  Object.freeze({ usd, unit, source, everyRegion });

/**
 * Public IPv4: $0.005 per IP per hour for every AWS-provided public IPv4 address (EC2, Elastic IP, load balancer,
 * NAT), one rate in every region since 2024-02-01: the VPC pricing page's "Public IPv4 address" tab quotes it without
 * a region selector, and AWS's announcement applies it to all addresses alike.
 */
const IPV4_EVERY_REGION =
  'https://aws.amazon.com/blogs/networking-and-content-delivery/identify-and-optimize-public-ipv4-address-usage-on-aws/';
/** "The pricing for AWS WAF is consistent across all AWS Regions." */
const WAF_EVERY_REGION =
  'https://aws.amazon.com/blogs/networking-and-content-delivery/cost-effective-ways-for-securing-your-web-applications-using-aws-waf/';
/** Route 53 is a global service: one price list, no region selector on its pricing page. */
const ROUTE53_EVERY_REGION = ROUTE53;
/**
 * CloudFront bills by the edge location that serves the viewer, not by the origin's region: the estimate uses the
 * North America rate wherever the stack is. https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/cloudfront.html
 */
const CLOUDFRONT_EVERY_REGION =
  'https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/cloudfront.html';

export const PRICES = Object.freeze({
  fargateVcpuX86: p(0.04048, 'vCPU-hour', FARGATE),
  fargateGbX86: p(0.004445, 'GB-hour', FARGATE),
  fargateVcpuArm: p(0.03238, 'vCPU-hour', FARGATE),
  fargateGbArm: p(0.00356, 'GB-hour', FARGATE),
  /** Spot prices move with spare capacity; AWS advertises "up to 70% off": the estimate assumes 70%. */
  fargateSpotDiscount: p(0.7, 'fraction off on-demand', FARGATE),
  albHour: p(0.0225, 'ALB-hour', ELB),
  albLcuHour: p(0.008, 'LCU-hour', ELB),
  nlbHour: p(0.0225, 'NLB-hour', ELB),
  nlbLcuHour: p(0.006, 'NLCU-hour', ELB),
  natHour: p(0.045, 'NAT gateway-hour', VPC),
  natGb: p(0.045, 'GB processed', VPC),
  publicIpv4Hour: flat(0.005, 'public IPv4 address-hour', VPC, IPV4_EVERY_REGION),
  interfaceEndpointAzHour: p(0.01, 'endpoint-AZ-hour', PRIVATELINK),
  auroraAcuHour: p(0.12, 'ACU-hour', AURORA),
  auroraStorageGb: p(0.1, 'GB-month', AURORA),
  auroraIoMillion: p(0.2, 'million I/O requests', AURORA),
  rdsGp3Gb: p(0.115, 'GB-month (Single-AZ; Multi-AZ ×2)', RDS),
  cloudfrontGb: flat(
    0.085,
    'GB to the internet (first 10 TB, North America)',
    CLOUDFRONT,
    CLOUDFRONT_EVERY_REGION,
  ),
  cloudfrontHttps10k: flat(0.01, '10,000 HTTPS requests', CLOUDFRONT, CLOUDFRONT_EVERY_REGION),
  route53Zone: flat(0.5, 'hosted zone-month', ROUTE53, ROUTE53_EVERY_REGION),
  route53HealthCheck: flat(0.5, 'health check-month (AWS endpoint)', ROUTE53, ROUTE53_EVERY_REGION),
  secret: p(0.4, 'secret-month', SECRETS),
  alarm: p(0.1, 'standard alarm metric-month', CLOUDWATCH),
  compositeAlarm: p(0.5, 'composite alarm-month', CLOUDWATCH),
  customMetric: p(0.3, 'custom metric-month (first 10,000)', CLOUDWATCH),
  dashboard: p(3, 'dashboard-month', CLOUDWATCH),
  logsIngestGb: p(0.5, 'GB ingested', CLOUDWATCH),
  logsStorageGb: p(0.03, 'GB-month stored', CLOUDWATCH),
  vendedLogsGb: p(0.5, 'GB of vended logs (VPC flow logs, first 10 TB)', CLOUDWATCH),
  sesThousand: p(0.1, '1,000 emails', SES),
  s3StandardGb: p(0.023, 'GB-month (Standard, first 50 TB)', S3),
  schedulerMillion: p(1, 'million scheduled invocations (after 14 M free)', EVENTBRIDGE),
  ebsGp3Gb: p(0.08, 'GB-month gp3', EBS),
  ecrGb: p(0.1, 'GB-month', ECR),
  kmsKey: p(1, 'key-month', KMS),
  wafAcl: flat(5, 'web ACL-month', WAF, WAF_EVERY_REGION),
  wafRule: flat(1, 'rule-month', WAF, WAF_EVERY_REGION),
  wafRequestsMillion: flat(0.6, 'million requests inspected', WAF, WAF_EVERY_REGION),
  /** Valkey nodes are priced 20% below Redis OSS nodes of the same type. */
  valkeyDiscount: p(0.2, 'fraction off Redis OSS', ELASTICACHE),
});

/** EC2 Linux on-demand, USD per hour (bastion, EC2 capacity). */
export const EC2_HOURLY: Readonly<Record<string, number>> = Object.freeze({
  't3.nano': 0.0052,
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't4g.nano': 0.0042,
  't4g.micro': 0.0084,
  't4g.small': 0.0168,
  't4g.medium': 0.0336,
  't4g.large': 0.0672,
  't4g.xlarge': 0.1344,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm6g.large': 0.077,
  'm6g.xlarge': 0.154,
  'm7g.large': 0.0816,
  'm7i.large': 0.1008,
  'c5.large': 0.085,
  'c6i.large': 0.085,
  'c6g.large': 0.068,
  'c7g.large': 0.0725,
  'r5.large': 0.126,
  'r6i.large': 0.126,
  'r6g.large': 0.1008,
});
export const EC2_SOURCE = EC2;

/** RDS for PostgreSQL Single-AZ on-demand, USD per hour (Multi-AZ doubles it). */
export const RDS_HOURLY: Readonly<Record<string, number>> = Object.freeze({
  'db.t3.micro': 0.018,
  'db.t3.small': 0.036,
  'db.t3.medium': 0.072,
  'db.t3.large': 0.145,
  'db.t3.xlarge': 0.29,
  'db.t4g.micro': 0.016,
  'db.t4g.small': 0.032,
  'db.t4g.medium': 0.065,
  'db.t4g.large': 0.129,
  'db.t4g.xlarge': 0.258,
  'db.m5.large': 0.178,
  'db.m5.xlarge': 0.356,
  'db.m6g.large': 0.159,
  'db.m6g.xlarge': 0.318,
  'db.m6i.large': 0.178,
  'db.m7g.large': 0.168,
  'db.r5.large': 0.25,
  'db.r6g.large': 0.225,
  'db.r6i.large': 0.25,
  'db.r7g.large': 0.239,
});
export const RDS_SOURCE = RDS;

/** ElastiCache Redis OSS on-demand, USD per node-hour. */
export const ELASTICACHE_HOURLY: Readonly<Record<string, number>> = Object.freeze({
  'cache.t2.micro': 0.017,
  'cache.t3.micro': 0.017,
  'cache.t3.small': 0.034,
  'cache.t3.medium': 0.068,
  'cache.t4g.micro': 0.016,
  'cache.t4g.small': 0.032,
  'cache.t4g.medium': 0.065,
  'cache.m5.large': 0.156,
  'cache.m6g.large': 0.149,
  'cache.m7g.large': 0.158,
  'cache.r5.large': 0.216,
  'cache.r6g.large': 0.206,
  'cache.r7g.large': 0.219,
});
export const ELASTICACHE_SOURCE = ELASTICACHE;

/**
 * Usage Berth cannot know from a template. Each estimate line that uses one says so; change them here, not in the
 * estimator.
 */
export const ASSUMPTIONS = Object.freeze({
  /** Average load balancer capacity units per hour (1 LCU ≈ 25 new connections/s or 1 GB/hour processed). */
  albLcus: 1,
  natGbPerGateway: 20,
  auroraStorageGb: 10,
  auroraIoMillions: 5,
  logGbPerGroup: 1,
  flowLogGb: 1,
  bucketGb: 10,
  /** Share of a bucket's data overwritten or deleted per month (old versions a versioned bucket keeps). */
  bucketChurnShare: 0.1,
  ecrGbPerRepository: 1,
  cloudfrontGb: 50,
  cloudfrontMillionRequests: 1,
  /** Requests a web ACL inspects a month (every request the entry point receives). */
  wafMillionRequests: 5,
  emailsPerMonth: 10_000,
  jobMinutesPerRun: 5,
  ebsRootGb: 8,
  ec2CapacityRootGb: 30,
});

/**
 * Approximate price level of a region relative to us-east-1 (Fargate vCPU-hour ratio), applied to every line of
 * that region except those made only of figures AWS charges alike everywhere (`everyRegion` above: public IPv4,
 * WAF, Route 53, CloudFront). Regions not listed are priced at us-east-1 prices.
 */
export const REGION_MULTIPLIERS: Readonly<Record<string, number>> = Object.freeze({
  'us-east-1': 1,
  'us-east-2': 1,
  'us-west-2': 1,
  'us-west-1': 1.15,
  'ca-central-1': 1.1,
  'eu-west-1': 1,
  'eu-west-2': 1.15,
  'eu-central-1': 1.15,
  'eu-north-1': 1.05,
  'ap-south-1': 1.05,
  'ap-southeast-1': 1.25,
  'ap-southeast-2': 1.2,
  'ap-northeast-1': 1.25,
  'sa-east-1': 1.72,
});
