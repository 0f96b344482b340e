import {
  ASSUMPTIONS as A,
  EC2_HOURLY,
  EC2_SOURCE,
  ELASTICACHE_HOURLY,
  ELASTICACHE_SOURCE,
  HOURS_PER_MONTH as H,
  PRICE_REGION,
  PRICES as P,
  PRICES_AS_OF,
  RDS_HOURLY,
  RDS_SOURCE,
  REGION_MULTIPLIERS,
} from './prices';
import { runsPerMonth } from './schedule';
import {
  num,
  readableId,
  refId,
  referencedIds,
  resourcesOfType,
  str,
  type CfnResource,
  type CfnTemplate,
  type StackTemplate,
} from './template';

/** One priced line: what, how many, at what unit price (per month), and the usage it assumes. */
export interface CostLine {
  readonly stack: string;
  readonly region: string;
  readonly logicalId: string;
  /** What is paid for, in words: `api: Fargate tasks (0.5 vCPU / 1 GB, x86_64, on demand)`. */
  readonly resource: string;
  /** The CloudFormation type it comes from. */
  readonly type: string;
  readonly count: number;
  /** USD per unit per month, region multiplier applied. */
  readonly unitPrice: number;
  readonly unit: string;
  /** count × unitPrice, unrounded. */
  readonly monthly: number;
  /** The usage this line assumes, when the template cannot say. */
  readonly assumption?: string;
  /** The AWS pricing page of the figure. */
  readonly source: string;
}

export interface CostEstimate {
  readonly app?: string;
  readonly env: string;
  readonly currency: 'USD';
  /** Sum of the lines, unrounded. */
  readonly monthly: number;
  readonly lines: readonly CostLine[];
  readonly pricesAsOf: string;
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
  'AWS::SNS::Subscription',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::CDK::Metadata',
  'AWS::Lambda::Permission',
  'AWS::Logs::SubscriptionFilter',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::OriginRequestPolicy',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::KMS::Alias',
  'AWS::EC2::EIPAssociation',
]);

interface Ctx {
  readonly stack: StackTemplate;
  readonly multiplier: number;
  readonly lines: CostLine[];
  readonly warnings: string[];
  readonly priced: Set<string>;
}

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
  fargateServices(ctx);
  ec2Capacity(ctx);
  loadBalancers(ctx);
  natGateways(ctx);
  elasticIps(ctx);
  endpoints(ctx);
  auroraClusters(ctx);
  rdsInstances(ctx);
  caches(ctx);
  cloudFront(ctx);
  route53(ctx);
  simpleCounts(ctx);
  logs(ctx);
  mail(ctx);
  buckets(ctx);
  schedules(ctx);
  instances(ctx);
}

function add(
  ctx: Ctx,
  logicalId: string,
  type: string,
  resource: string,
  count: number,
  unitPriceUsEast1: number,
  unit: string,
  source: string,
  assumption?: string,
): void {
  ctx.priced.add(logicalId);
  const unitPrice = unitPriceUsEast1 * ctx.multiplier;
  ctx.lines.push({
    stack: ctx.stack.stackName,
    region: ctx.stack.region,
    logicalId,
    resource,
    type,
    count,
    unitPrice,
    unit,
    monthly: count * unitPrice,
    ...(assumption ? { assumption } : {}),
    source,
  });
}

function res(ctx: Ctx, id: string | undefined): CfnResource | undefined {
  return id ? ctx.stack.template.Resources?.[id] : undefined;
}

function props(r: CfnResource | undefined): Record<string, unknown> {
  return (r?.Properties ?? {}) as Record<string, unknown>;
}

// ── compute ────────────────────────────────────────────────────────────────────────────────────────────────────

interface TaskSize {
  readonly vcpu: number;
  readonly gb: number;
  readonly arm: boolean;
  readonly family: string;
}

function taskSize(ctx: Ctx, taskDefinitionId: string | undefined): TaskSize | undefined {
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
function fargateHourly(size: { vcpu: number; gb: number; arm: boolean }): number {
  return size.arm
    ? size.vcpu * P.fargateVcpuArm.usd + size.gb * P.fargateGbArm.usd
    : size.vcpu * P.fargateVcpuX86.usd + size.gb * P.fargateGbX86.usd;
}

/** Share of tasks on FARGATE_SPOT, from the capacity provider strategy's weights; null when on EC2 capacity. */
function spotShare(ctx: Ctx, p: Record<string, unknown>): number | null {
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

function fargateServices(ctx: Ctx): void {
  const targets = resourcesOfType(ctx.stack.template, 'AWS::ApplicationAutoScaling::ScalableTarget');
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ECS::Service')) {
    const p = props(r);
    const size = taskSize(ctx, refId(p.TaskDefinition));
    const name = size?.family ?? readableId(id);
    const target = targets.find(([, t]) => referencedIds(props(t).ResourceId).has(id));
    const min = target ? num(props(target[1]).MinCapacity) : undefined;
    const count = min ?? num(p.DesiredCount) ?? 1;
    const share = spotShare(ctx, p);
    if (share === null) {
      ctx.priced.add(id);
      continue; // on EC2 capacity: the instances are the cost (ec2Capacity)
    }
    if (!size) {
      ctx.warnings.push(`${name}: the task definition's cpu/memory are not literal values; not priced`);
      continue;
    }
    const hourly = fargateHourly(size) * (1 - share * P.fargateSpotDiscount.usd);
    const capacity = share === 0 ? 'on demand' : share === 1 ? 'Spot' : `${Math.round(share * 100)}% Spot`;
    add(
      ctx,
      id,
      r.Type,
      `${name}: Fargate tasks (${size.vcpu} vCPU / ${size.gb} GB, ${size.arm ? 'arm64' : 'x86_64'}, ${capacity})`,
      count,
      hourly * H,
      'task-month',
      P.fargateVcpuX86.source,
      `${target ? 'autoscaling minimum' : 'desired count'} ${count} running all month${share > 0 ? `; Spot at ${P.fargateSpotDiscount.usd * 100}% off on-demand` : ''}`,
    );
    const network = ((p.NetworkConfiguration ?? {}) as Record<string, unknown>).AwsvpcConfiguration as
      Record<string, unknown> | undefined;
    if (network?.AssignPublicIp === 'ENABLED') {
      add(
        ctx,
        `${id}/PublicIp`,
        r.Type,
        `${name}: public IPv4 address per task`,
        count,
        P.publicIpv4Hour.usd * H,
        'address-month',
        P.publicIpv4Hour.source,
      );
    }
  }
}

function instanceTypeOfAsg(ctx: Ctx, p: Record<string, unknown>): string | undefined {
  const lt = p.LaunchTemplate as { LaunchTemplateId?: unknown } | undefined;
  const fromLt = (ref: unknown) =>
    str(((props(res(ctx, refId(ref))).LaunchTemplateData ?? {}) as Record<string, unknown>).InstanceType);
  if (lt) return fromLt(lt.LaunchTemplateId);
  const mixed = p.MixedInstancesPolicy as
    { LaunchTemplate?: { LaunchTemplateSpecification?: { LaunchTemplateId?: unknown } } } | undefined;
  const spec = mixed?.LaunchTemplate?.LaunchTemplateSpecification;
  if (spec) return fromLt(spec.LaunchTemplateId);
  return str(props(res(ctx, refId(p.LaunchConfigurationName))).InstanceType);
}

function ec2Capacity(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::AutoScaling::AutoScalingGroup')) {
    const p = props(r);
    const type = instanceTypeOfAsg(ctx, p) ?? 'unknown';
    const min = num(p.MinSize) ?? 0;
    const hourly = EC2_HOURLY[type];
    if (hourly === undefined) {
      ctx.warnings.push(`${readableId(id)}: no price for instance type ${type}; not priced`);
      continue;
    }
    add(
      ctx,
      id,
      r.Type,
      `EC2 capacity: ${type} instances (${readableId(id)})`,
      min,
      hourly * H + A.ec2CapacityRootGb * P.ebsGp3Gb.usd,
      'instance-month',
      EC2_SOURCE,
      `minimum size ${min} running all month, ${A.ec2CapacityRootGb} GB gp3 root volume each`,
    );
  }
}

function instances(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::EC2::Instance')) {
    const type = str(props(r).InstanceType) ?? 'unknown';
    const hourly = EC2_HOURLY[type];
    if (hourly === undefined) {
      ctx.warnings.push(`${readableId(id)}: no price for instance type ${type}; not priced`);
      continue;
    }
    const label = /bastion/i.test(id) ? 'bastion' : readableId(id);
    add(
      ctx,
      id,
      r.Type,
      `${label}: EC2 ${type}`,
      1,
      hourly * H + A.ebsRootGb * P.ebsGp3Gb.usd,
      'instance-month',
      EC2_SOURCE,
      `running all month, ${A.ebsRootGb} GB gp3 root volume`,
    );
  }
}

// ── network ────────────────────────────────────────────────────────────────────────────────────────────────────

function loadBalancers(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const p = props(r);
    const network = p.Type === 'network';
    const hourly = network ? P.nlbHour.usd : P.albHour.usd;
    const lcu = network ? P.nlbLcuHour.usd : P.albLcuHour.usd;
    add(
      ctx,
      id,
      r.Type,
      `${network ? 'Network' : 'Application'} Load Balancer`,
      1,
      (hourly + A.albLcus * lcu) * H,
      'load balancer-month',
      P.albHour.source,
      `${A.albLcus} LCU on average`,
    );
    const subnets = Array.isArray(p.Subnets)
      ? p.Subnets.length
      : Array.isArray(p.SubnetMappings)
        ? p.SubnetMappings.length
        : 0;
    if (p.Scheme === 'internet-facing' && subnets > 0) {
      add(
        ctx,
        `${id}/PublicIp`,
        r.Type,
        'Load balancer public IPv4 addresses (one per AZ)',
        subnets,
        P.publicIpv4Hour.usd * H,
        'address-month',
        P.publicIpv4Hour.source,
      );
    }
  }
}

function natGateways(ctx: Ctx): void {
  const nats = resourcesOfType(ctx.stack.template, 'AWS::EC2::NatGateway');
  if (!nats.length) return;
  for (const [id] of nats) ctx.priced.add(id);
  add(
    ctx,
    nats[0]![0],
    'AWS::EC2::NatGateway',
    'NAT gateways',
    nats.length,
    (P.natHour.usd + (A.natGbPerGateway * P.natGb.usd) / H) * H,
    'gateway-month',
    P.natHour.source,
    `${A.natGbPerGateway} GB processed per gateway`,
  );
}

function elasticIps(ctx: Ctx): void {
  const eips = resourcesOfType(ctx.stack.template, 'AWS::EC2::EIP');
  if (!eips.length) return;
  for (const [id] of eips) ctx.priced.add(id);
  add(
    ctx,
    eips[0]![0],
    'AWS::EC2::EIP',
    'Elastic IP addresses',
    eips.length,
    P.publicIpv4Hour.usd * H,
    'address-month',
    P.publicIpv4Hour.source,
  );
}

function endpoints(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::EC2::VPCEndpoint')) {
    const p = props(r);
    if (p.VpcEndpointType !== 'Interface') {
      ctx.priced.add(id); // gateway endpoints (S3, DynamoDB) are free
      continue;
    }
    const azs = Array.isArray(p.SubnetIds) ? p.SubnetIds.length : 1;
    add(
      ctx,
      id,
      r.Type,
      `Interface endpoint ${endpointService(p.ServiceName) ?? readableId(id)} (${azs} AZ${azs === 1 ? '' : 's'})`,
      azs,
      P.interfaceEndpointAzHour.usd * H,
      'endpoint-AZ-month',
      P.interfaceEndpointAzHour.source,
      'data processed ($0.01/GB) not included',
    );
  }
}

function endpointService(name: unknown): string | undefined {
  if (typeof name === 'string') return name.split('.').slice(3).join('.') || name;
  const join = (name as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  const last = join?.[1]?.[join[1].length - 1];
  return typeof last === 'string' ? last.replace(/^\./, '') : undefined;
}

// ── stores ─────────────────────────────────────────────────────────────────────────────────────────────────────

function auroraClusters(ctx: Ctx): void {
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
      add(
        ctx,
        id,
        r.Type,
        `Aurora Serverless v2 compute (${minAcu} ACU minimum × ${serverless.length} instance${serverless.length === 1 ? '' : 's'}: ${roles})`,
        pauses ? 0 : serverless.length,
        minAcu * P.auroraAcuHour.usd * H,
        'instance-month at the minimum',
        P.auroraAcuHour.source,
        pauses
          ? 'min 0 ACU: pauses when idle; compute is paid only while it runs (not estimated)'
          : `baseline at the minimum ACU all month; scaling up to ${num(scaling?.MaxCapacity) ?? '?'} ACU costs more`,
      );
    }
    for (const [mid, m] of provisioned) {
      const cls = str(props(m).DBInstanceClass) ?? 'unknown';
      const hourly = RDS_HOURLY[cls];
      if (hourly === undefined) {
        ctx.warnings.push(`${readableId(mid)}: no price for ${cls}; not priced`);
        continue;
      }
      add(
        ctx,
        mid,
        m.Type,
        `Aurora instance ${cls}`,
        1,
        hourly * H,
        'instance-month',
        RDS_SOURCE,
        'approximated by the RDS for PostgreSQL price of the class',
      );
    }
    add(
      ctx,
      `${id}/Storage`,
      r.Type,
      'Aurora storage and I/O',
      1,
      A.auroraStorageGb * P.auroraStorageGb.usd + A.auroraIoMillions * P.auroraIoMillion.usd,
      'cluster-month',
      P.auroraStorageGb.source,
      `${A.auroraStorageGb} GB stored, ${A.auroraIoMillions} M I/O requests`,
    );
  }
}

function rdsInstances(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::RDS::DBInstance')) {
    const p = props(r);
    if (p.DBClusterIdentifier !== undefined) continue;
    const cls = str(p.DBInstanceClass) ?? 'unknown';
    const hourly = RDS_HOURLY[cls];
    const source =
      p.SourceDBInstanceIdentifier !== undefined ? res(ctx, refId(p.SourceDBInstanceIdentifier)) : undefined;
    const replica = p.SourceDBInstanceIdentifier !== undefined;
    if (hourly === undefined) {
      ctx.warnings.push(`${readableId(id)}: no price for ${cls}; not priced`);
      continue;
    }
    const multiAz = p.MultiAZ === true || p.MultiAZ === 'true';
    const factor = multiAz ? 2 : 1;
    add(
      ctx,
      id,
      r.Type,
      `RDS PostgreSQL ${cls}${multiAz ? ' Multi-AZ' : ''}${replica ? ' (read replica)' : ''}`,
      factor,
      hourly * H,
      'instance-month',
      RDS_SOURCE,
      multiAz ? 'Multi-AZ: a standby instance billed like the primary' : undefined,
    );
    const gb = num(p.AllocatedStorage) ?? num(props(source).AllocatedStorage) ?? 20;
    add(
      ctx,
      `${id}/Storage`,
      r.Type,
      `RDS storage ${gb} GB gp3${multiAz ? ' Multi-AZ' : ''}${replica ? ' (read replica)' : ''}`,
      gb * factor,
      P.rdsGp3Gb.usd,
      'GB-month',
      P.rdsGp3Gb.source,
      'allocated storage; autoscaling beyond it costs more',
    );
  }
}

function caches(ctx: Ctx): void {
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
}

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
  add(
    ctx,
    id,
    type,
    `ElastiCache ${engine ?? 'redis'} nodes (${nodeType})`,
    nodes,
    hourly * (valkey ? 1 - P.valkeyDiscount.usd : 1) * H,
    'node-month',
    ELASTICACHE_SOURCE,
  );
}

function buckets(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::S3::Bucket')) {
    const noncurrent = noncurrentGb(r);
    add(
      ctx,
      id,
      r.Type,
      `S3 bucket ${readableId(id).replace(/^Bucket(?=[A-Z])/, '')}`,
      1,
      (A.bucketGb + (noncurrent?.gb ?? 0)) * P.s3StandardGb.usd,
      'bucket-month',
      P.s3StandardGb.source,
      `${A.bucketGb} GB in Standard${noncurrent ? `; ${noncurrent.note}` : ''}; requests not included`,
    );
  }
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::ECR::Repository')) {
    add(
      ctx,
      id,
      r.Type,
      `ECR repository ${str(props(r).RepositoryName) ?? readableId(id)}`,
      1,
      A.ecrGbPerRepository * P.ecrGb.usd,
      'repository-month',
      P.ecrGb.source,
      `${A.ecrGbPerRepository} GB of images`,
    );
  }
}

// ── edge, DNS, secrets, observability, mail, jobs ──────────────────────────────────────────────────────────────

function cloudFront(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::CloudFront::Distribution')) {
    add(
      ctx,
      id,
      r.Type,
      'CloudFront distribution',
      1,
      A.cloudfrontGb * P.cloudfrontGb.usd + A.cloudfrontMillionRequests * 100 * P.cloudfrontHttps10k.usd,
      'distribution-month',
      P.cloudfrontGb.source,
      `${A.cloudfrontGb} GB out, ${A.cloudfrontMillionRequests} M HTTPS requests`,
    );
  }
}

function route53(ctx: Ctx): void {
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::Route53::HostedZone'))
    add(
      ctx,
      id,
      r.Type,
      'Route 53 hosted zone',
      1,
      P.route53Zone.usd,
      'zone-month',
      P.route53Zone.source,
      'queries not included (alias queries to AWS resources are free)',
    );
  const checks = resourcesOfType(ctx.stack.template, 'AWS::Route53::HealthCheck');
  if (checks.length) {
    for (const [id] of checks) ctx.priced.add(id);
    add(
      ctx,
      checks[0]![0],
      'AWS::Route53::HealthCheck',
      'Route 53 health checks',
      checks.length,
      P.route53HealthCheck.usd,
      'check-month',
      P.route53HealthCheck.source,
    );
  }
}

/** Resources priced per resource-month, grouped into one line per type. */
function simpleCounts(ctx: Ctx): void {
  const per: readonly [string, string, number, string, string][] = [
    ['AWS::SecretsManager::Secret', 'Secrets Manager secrets', P.secret.usd, 'secret-month', P.secret.source],
    ['AWS::CloudWatch::Alarm', 'CloudWatch alarms', P.alarm.usd, 'alarm-month', P.alarm.source],
    [
      'AWS::CloudWatch::CompositeAlarm',
      'CloudWatch composite alarms',
      P.compositeAlarm.usd,
      'alarm-month',
      P.compositeAlarm.source,
    ],
    [
      'AWS::CloudWatch::Dashboard',
      'CloudWatch dashboards',
      P.dashboard.usd,
      'dashboard-month',
      P.dashboard.source,
    ],
    ['AWS::KMS::Key', 'KMS keys', P.kmsKey.usd, 'key-month', P.kmsKey.source],
  ];
  for (const [type, label, price, unit, source] of per) {
    const found = resourcesOfType(ctx.stack.template, type);
    if (!found.length) continue;
    for (const [id] of found) ctx.priced.add(id);
    add(
      ctx,
      found[0]![0],
      type,
      label,
      found.length,
      price,
      unit,
      source,
      type === 'AWS::CloudWatch::Dashboard' ? 'the free tier (3 dashboards) not deducted' : undefined,
    );
  }
  for (const [id, r] of resourcesOfType(ctx.stack.template, 'AWS::WAFv2::WebACL')) {
    const rules = Array.isArray(props(r).Rules) ? (props(r).Rules as unknown[]).length : 0;
    add(
      ctx,
      id,
      r.Type,
      `WAF web ACL (${rules} rules)`,
      1,
      P.wafAcl.usd + rules * P.wafRule.usd,
      'ACL-month',
      P.wafAcl.source,
      'requests ($0.60/M) not included',
    );
  }
}

function logs(ctx: Ctx): void {
  const flowGroups = new Set(
    resourcesOfType(ctx.stack.template, 'AWS::EC2::FlowLog').map(([, f]) => refId(props(f).LogGroupName)),
  );
  const flowLogs = resourcesOfType(ctx.stack.template, 'AWS::EC2::FlowLog');
  for (const [id, r] of flowLogs) {
    add(
      ctx,
      id,
      r.Type,
      `VPC flow logs (${str(props(r).TrafficType) ?? 'ALL'})`,
      1,
      A.flowLogGb * P.vendedLogsGb.usd,
      'flow log-month',
      P.vendedLogsGb.source,
      `${A.flowLogGb} GB/month delivered to CloudWatch Logs`,
    );
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
  add(
    ctx,
    groups[0]![0],
    'AWS::Logs::LogGroup',
    'CloudWatch log groups (services, jobs, database)',
    groups.length,
    A.logGbPerGroup * (P.logsIngestGb.usd + avgStorage * P.logsStorageGb.usd),
    'group-month',
    P.logsIngestGb.source,
    `${A.logGbPerGroup} GB ingested per group per month, kept for its retention`,
  );
}

function mail(ctx: Ctx): void {
  const identities = resourcesOfType(ctx.stack.template, 'AWS::SES::EmailIdentity');
  for (const [id] of resourcesOfType(ctx.stack.template, 'AWS::SES::ConfigurationSet')) ctx.priced.add(id);
  if (!identities.length) return;
  for (const [id] of identities) ctx.priced.add(id);
  add(
    ctx,
    identities[0]![0],
    'AWS::SES::EmailIdentity',
    'SES outbound email',
    A.emailsPerMonth / 1000,
    P.sesThousand.usd,
    '1,000 emails',
    P.sesThousand.source,
    `${A.emailsPerMonth.toLocaleString('en-US')} emails a month`,
  );
}

function schedules(ctx: Ctx): void {
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
    const name = named
      ? `job ${named.startsWith(prefix) ? named.slice(prefix.length) : named}`
      : readableId(id);
    if (r.Type === 'AWS::Scheduler::Schedule') {
      add(
        ctx,
        `${id}/Invocations`,
        r.Type,
        `${name}: scheduler invocations`,
        runs / 1e6,
        P.schedulerMillion.usd,
        'million invocations',
        P.schedulerMillion.source,
        'the 14 M free invocations a month not deducted',
      );
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
    const perRun = fargateHourly(size) * (A.jobMinutesPerRun / 60) * (1 - share * P.fargateSpotDiscount.usd);
    add(
      ctx,
      id,
      r.Type,
      `${name}: runs (${expr || 'disabled'}; ${size.vcpu} vCPU / ${size.gb} GB)`,
      runs,
      perRun,
      'run',
      P.fargateVcpuX86.source,
      `${A.jobMinutesPerRun} minutes per run`,
    );
  }
}

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

/**
 * Old versions a versioned bucket holds: the share of its data overwritten or deleted each month, kept for the
 * noncurrent expiry days. A versioned bucket without expiry grows every month; priced as one year of it.
 */
function noncurrentGb(r: { Properties?: Record<string, unknown> }): { gb: number; note: string } | undefined {
  const p = r.Properties ?? {};
  if ((p.VersioningConfiguration as { Status?: string } | undefined)?.Status !== 'Enabled') return undefined;
  const rules = ((p.LifecycleConfiguration as { Rules?: unknown[] } | undefined)?.Rules ?? []) as {
    NoncurrentVersionExpiration?: { NoncurrentDays?: number };
  }[];
  const days = rules.find((x) => x.NoncurrentVersionExpiration?.NoncurrentDays)?.NoncurrentVersionExpiration
    ?.NoncurrentDays;
  const churn = A.bucketGb * A.bucketChurnShare;
  if (days === undefined)
    return { gb: churn * 12, note: `old versions never expire (${churn * 12} GB after a year, growing)` };
  const gb = Math.round(churn * (days / 30) * 100) / 100;
  return {
    gb,
    note: `+${gb} GB of old versions (${A.bucketChurnShare * 100}% replaced a month, kept ${days} days)`,
  };
}
