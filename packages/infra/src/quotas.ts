import type { QuotaName, ResolvedApp } from '@berthjs/config';

/**
 * Service Quotas an environment consumes, added up over the app's environments that share an account and region, and
 * compared with AWS's default quotas or the values the config declares (`quotas`). Counted from the synthesized
 * templates, so what a team adds up across several apps is what each one's `berth check` prints.
 *
 * Defaults: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html (VPCs per Region 5, NAT gateways
 * per Availability Zone 5, VPC security groups per Region 2,500),
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit
 * (Elastic IP addresses per Region 5), https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 * (Application Load Balancers per Region 50, rules per Application Load Balancer excluding default rules 100).
 * Raising one: https://docs.aws.amazon.com/servicequotas/latest/userguide/request-quota-increase.html
 */
export interface QuotaDefinition {
  readonly name: QuotaName;
  readonly label: string;
  readonly default: number;
  /** What the limit applies to: summed over the place's environments, or the largest of one AZ or one ALB. */
  readonly per: 'region' | 'availability zone' | 'load balancer';
  /** The quota's code in Service Quotas, where the request for more is made. */
  readonly code: string;
  readonly docs: string;
}

const VPC_DOCS = 'https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html';
const ALB_DOCS =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html';

export const QUOTAS: readonly QuotaDefinition[] = Object.freeze([
  { name: 'vpcs', label: 'VPCs', default: 5, per: 'region', code: 'vpc/L-F678F1CE', docs: VPC_DOCS },
  {
    name: 'elasticIps',
    label: 'Elastic IP addresses (one per NAT gateway)',
    default: 5,
    per: 'region',
    code: 'ec2/L-0263D0A3',
    docs: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html',
  },
  {
    name: 'natGatewaysPerAz',
    label: 'NAT gateways',
    default: 5,
    per: 'availability zone',
    code: 'vpc/L-FE5A380F',
    docs: VPC_DOCS,
  },
  {
    name: 'loadBalancers',
    label: 'Application Load Balancers',
    default: 50,
    per: 'region',
    code: 'elasticloadbalancing/L-53DA6B97',
    docs: ALB_DOCS,
  },
  {
    name: 'rulesPerLoadBalancer',
    label: 'listener rules (excluding default rules)',
    default: 100,
    per: 'load balancer',
    code: 'elasticloadbalancing (Rules per Application Load Balancer)',
    docs: ALB_DOCS,
  },
  {
    name: 'securityGroups',
    label: 'security groups (each VPC has a default one)',
    default: 2500,
    per: 'region',
    code: 'vpc/L-E79EC296',
    docs: VPC_DOCS,
  },
]);

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface QuotaTemplate {
  readonly Resources?: Readonly<Record<string, Resource>>;
}

/** What one stack's template consumes: per-region counts, and the per-AZ / per-ALB maxima. */
export interface QuotaUsage {
  readonly vpcs: number;
  readonly elasticIps: number;
  /** NAT gateways per availability zone (`Fn::Select` index over `Fn::GetAZs`, or the zone's name). */
  readonly natGatewaysByAz: Readonly<Record<string, number>>;
  readonly loadBalancers: number;
  /** Listener rules of the stack's busiest ALB. */
  readonly rulesPerLoadBalancer: number;
  readonly securityGroups: number;
}

export function quotaUsage(template: QuotaTemplate): QuotaUsage {
  const resources = Object.entries(template.Resources ?? {});
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const refOf = (v: unknown) => (v as { Ref?: string } | undefined)?.Ref;
  const subnets = new Map(ofType('AWS::EC2::Subnet'));
  const natGatewaysByAz: Record<string, number> = {};
  for (const [, nat] of ofType('AWS::EC2::NatGateway')) {
    const subnet = subnets.get(refOf(nat.Properties?.SubnetId) ?? '');
    const az = subnet?.Properties?.AvailabilityZone;
    const select = (az as { 'Fn::Select'?: [unknown, unknown] } | undefined)?.['Fn::Select'];
    const key = typeof az === 'string' ? az : select ? `#${String(select[0])}` : '?';
    natGatewaysByAz[key] = (natGatewaysByAz[key] ?? 0) + 1;
  }
  const listeners = new Map(ofType('AWS::ElasticLoadBalancingV2::Listener'));
  const rulesByAlb: Record<string, number> = {};
  // A shifting service's production rule is a custom resource (ProductionListenerRule), an ALB rule all the same.
  const rules = [
    ...ofType('AWS::ElasticLoadBalancingV2::ListenerRule'),
    ...ofType('Custom::ProductionListenerRule'),
  ];
  for (const [, rule] of rules) {
    const listener = listeners.get(refOf(rule.Properties?.ListenerArn) ?? '');
    const alb = refOf(listener?.Properties?.LoadBalancerArn) ?? '?';
    rulesByAlb[alb] = (rulesByAlb[alb] ?? 0) + 1;
  }
  const vpcs = ofType('AWS::EC2::VPC').length;
  return {
    vpcs,
    elasticIps: ofType('AWS::EC2::EIP').length,
    natGatewaysByAz,
    loadBalancers: ofType('AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
      ([, r]) => (r.Properties?.Type ?? 'application') === 'application',
    ).length,
    rulesPerLoadBalancer: Math.max(0, ...Object.values(rulesByAlb)),
    securityGroups: ofType('AWS::EC2::SecurityGroup').length + vpcs,
  };
}

/** One quota in one account and region: what each environment uses and what they add up to. */
export interface QuotaLine {
  readonly name: QuotaName;
  readonly label: string;
  readonly per: QuotaDefinition['per'];
  /** The sum over the place's environments (per region), or the largest per AZ / per ALB. */
  readonly used: number;
  readonly limit: number;
  /** Whether the limit is the config's `quotas` value rather than AWS's default. */
  readonly declared: boolean;
  readonly byEnvironment: Readonly<Record<string, number>>;
  readonly over: boolean;
  readonly code: string;
  readonly docs: string;
}

export interface QuotaPlace {
  /** Absent for environments that name no account (the deploying credentials' account). */
  readonly account?: string;
  readonly region: string;
  /** The app's environments (stacks, for a standby: `<stage> standby`) counted here. */
  readonly environments: readonly string[];
  readonly quotas: readonly QuotaLine[];
}

export interface QuotaStack {
  /** `prod`, or `prod standby` for a pilot-light stack in its own region. */
  readonly label: string;
  readonly resolved: ResolvedApp;
  readonly account?: string;
  readonly region: string;
  readonly template: QuotaTemplate;
}

/**
 * Adds up every stack's usage per account and region (the checked environments' places only) and compares it with
 * the quotas the first checked environment there declares (`quotas`), else AWS's defaults.
 */
export function quotaPlaces(stacks: readonly QuotaStack[], checked: readonly ResolvedApp[]): QuotaPlace[] {
  const key = (s: { account?: string; region: string }) => `${s.account ?? ''}/${s.region}`;
  const stages = new Set(checked.map((r) => r.stage));
  const places = new Map<string, QuotaStack[]>();
  for (const s of stacks) places.set(key(s), [...(places.get(key(s)) ?? []), s]);
  const out: QuotaPlace[] = [];
  for (const group of places.values()) {
    if (!group.some((s) => stages.has(s.resolved.stage))) continue;
    const declaredBy = group.find((s) => stages.has(s.resolved.stage))!.resolved.quotas ?? {};
    const usages = group.map((s) => ({ label: s.label, usage: quotaUsage(s.template) }));
    const quotas = QUOTAS.map((q): QuotaLine => {
      const byEnvironment: Record<string, number> = {};
      let used = 0;
      if (q.name === 'natGatewaysPerAz') {
        const perAz: Record<string, number> = {};
        for (const { label, usage } of usages) {
          byEnvironment[label] = Math.max(0, ...Object.values(usage.natGatewaysByAz));
          for (const [az, n] of Object.entries(usage.natGatewaysByAz)) perAz[az] = (perAz[az] ?? 0) + n;
        }
        used = Math.max(0, ...Object.values(perAz));
      } else if (q.name === 'rulesPerLoadBalancer') {
        for (const { label, usage } of usages) byEnvironment[label] = usage.rulesPerLoadBalancer;
        used = Math.max(0, ...Object.values(byEnvironment));
      } else {
        for (const { label, usage } of usages) {
          byEnvironment[label] = usage[q.name];
          used += usage[q.name];
        }
      }
      const declared = declaredBy[q.name];
      const limit = declared ?? q.default;
      return {
        name: q.name,
        label: q.label,
        per: q.per,
        used,
        limit,
        declared: declared !== undefined,
        byEnvironment,
        over: used > limit,
        code: q.code,
        docs: q.docs,
      };
    });
    const first = group[0]!;
    out.push({
      ...(first.account ? { account: first.account } : {}),
      region: first.region,
      environments: group.map((s) => s.label),
      quotas,
    });
  }
  return out;
}

/** The finding's text for a quota the place's environments exceed. */
export function quotaExceeded(place: QuotaPlace, line: QuotaLine): string {
  const where = `${place.account ?? "the deploying credentials' account"}/${place.region}`;
  const each = Object.entries(line.byEnvironment)
    .map(([env, n]) => `${env} ${n}`)
    .join(', ');
  const per = line.per === 'region' ? '' : ` per ${line.per}`;
  return (
    `${line.label}: ${line.used}${per} in ${where} (${each}) > ${line.declared ? 'the declared' : "AWS's default"} ` +
    `quota ${line.limit}. Other apps in this account and region count too. Request an increase in Service Quotas ` +
    `(${line.code}; ${line.docs}) and declare it in quotas.${line.name}, or use fewer (network.nat: 'single').`
  );
}

/** `berth check`'s lines for the quotas section: one per place, the totals a team adds up across apps. */
export function formatQuotas(places: readonly QuotaPlace[]): string[] {
  return places.map((p) => {
    const where = `${p.account ?? 'account of the credentials'}/${p.region}`;
    const lines = p.quotas.map(
      (q) =>
        `${q.label} ${q.used}/${q.limit}${q.per === 'region' ? '' : ` per ${q.per}`}${q.declared ? ' (declared)' : ''}${q.over ? ' OVER' : ''}`,
    );
    return `Quotas in ${where} (${p.environments.join(', ')}; add other apps here): ${lines.join('; ')}.`;
  });
}
