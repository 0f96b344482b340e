/**
 * Resources whose identifier is a name Berth (or the CDK) writes into the template. Two stacks that would create
 * the same one in the same place fail: the second stack's create ends in AlreadyExists, or worse, both stacks
 * "own" one resource and deleting either removes what the other uses. Where is "the same place" depends on the
 * resource: S3 bucket names and Route 53 records in one hosted zone are global, IAM names are per account, the rest
 * per account and region.
 */
export type IdentifierScope = 'global' | 'account' | 'region';

interface NamedType {
  readonly scope: IdentifierScope;
  /** The identifier from the resource's properties, when they give it as a literal (else CloudFormation names it). */
  readonly id: (p: Record<string, unknown>) => string | undefined;
}

const prop =
  (name: string) =>
  (p: Record<string, unknown>): string | undefined =>
    typeof p[name] === 'string' ? (p[name] as string) : undefined;

/** One registry-wide setting per account and region: its identifier is the registry itself. */
const singleton = () => 'the registry';

/** Resource types whose primary identifier can be a name, with the property that carries it. */
export const NAMED_TYPES: Readonly<Record<string, NamedType>> = {
  'AWS::S3::Bucket': { scope: 'global', id: prop('BucketName') },
  'AWS::Route53::RecordSet': {
    scope: 'global',
    id: (p) =>
      typeof p.HostedZoneId === 'string' && typeof p.Name === 'string'
        ? `${p.HostedZoneId} ${p.Name} ${String(p.Type)}${typeof p.SetIdentifier === 'string' ? ` ${p.SetIdentifier}` : ''}`
        : undefined,
  },
  'AWS::IAM::Role': { scope: 'account', id: prop('RoleName') },
  'AWS::IAM::ManagedPolicy': { scope: 'account', id: prop('ManagedPolicyName') },
  'AWS::IAM::OIDCProvider': { scope: 'account', id: prop('Url') },
  'AWS::RDS::GlobalCluster': { scope: 'account', id: prop('GlobalClusterIdentifier') },
  'AWS::SES::EmailIdentity': { scope: 'region', id: prop('EmailIdentity') },
  'AWS::SES::ConfigurationSet': { scope: 'region', id: prop('Name') },
  'AWS::EC2::LaunchTemplate': { scope: 'region', id: prop('LaunchTemplateName') },
  'AWS::ECR::Repository': { scope: 'region', id: prop('RepositoryName') },
  'AWS::ECR::ReplicationConfiguration': { scope: 'region', id: singleton },
  'AWS::ECR::RegistryPolicy': { scope: 'region', id: singleton },
  'AWS::ECS::Cluster': { scope: 'region', id: prop('ClusterName') },
  'AWS::ECS::TaskDefinition': { scope: 'region', id: prop('Family') },
  'AWS::SQS::Queue': { scope: 'region', id: prop('QueueName') },
  'AWS::SNS::Topic': { scope: 'region', id: prop('TopicName') },
  'AWS::Scheduler::Schedule': {
    scope: 'region',
    id: (p) =>
      typeof p.Name === 'string'
        ? `${typeof p.GroupName === 'string' ? p.GroupName : 'default'}/${p.Name}`
        : undefined,
  },
  'AWS::CloudWatch::Alarm': { scope: 'region', id: prop('AlarmName') },
  'AWS::CloudWatch::Dashboard': { scope: 'region', id: prop('DashboardName') },
  'AWS::Logs::LogGroup': { scope: 'region', id: prop('LogGroupName') },
  'AWS::ElastiCache::ReplicationGroup': { scope: 'region', id: prop('ReplicationGroupId') },
  'AWS::ElastiCache::SubnetGroup': { scope: 'region', id: prop('CacheSubnetGroupName') },
  'AWS::RDS::DBInstance': { scope: 'region', id: prop('DBInstanceIdentifier') },
  'AWS::RDS::DBCluster': { scope: 'region', id: prop('DBClusterIdentifier') },
  'AWS::SecretsManager::Secret': { scope: 'region', id: prop('Name') },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': { scope: 'region', id: prop('Name') },
  'AWS::ElasticLoadBalancingV2::TargetGroup': { scope: 'region', id: prop('Name') },
};

export interface StackTemplateAt {
  readonly stackName: string;
  /** The environment the stack belongs to. */
  readonly stage: string;
  /** Undefined: the deploying credentials' account (shared by every environment that names none). */
  readonly account?: string;
  readonly region: string;
  readonly template: {
    readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
}

export interface Collision {
  readonly type: string;
  readonly identifier: string;
  readonly scope: IdentifierScope;
  readonly first: { readonly stackName: string; readonly stage: string; readonly logicalId: string };
  readonly second: { readonly stackName: string; readonly stage: string; readonly logicalId: string };
}

/**
 * Two environments share an account when they name the same one, or neither names one (both deploy with the same
 * credentials' account): the rule `resolve` uses to pick the one environment that creates an account-wide resource.
 */
function sameAccount(a: StackTemplateAt, b: StackTemplateAt): boolean {
  return a.account === b.account;
}

function samePlace(scope: IdentifierScope, a: StackTemplateAt, b: StackTemplateAt): boolean {
  if (scope === 'global') return true;
  if (!sameAccount(a, b)) return false;
  return scope === 'account' || a.region === b.region;
}

/**
 * Every pair of stacks that would create the same named resource in the same place, across all environments of an
 * app. Only literal names count: a name CloudFormation generates, or one built from the stack's own tokens, is unique.
 */
export function identifierCollisions(stacks: readonly StackTemplateAt[]): Collision[] {
  const seen = new Map<string, { stack: StackTemplateAt; logicalId: string }[]>();
  const out: Collision[] = [];
  for (const stack of stacks) {
    for (const [logicalId, r] of Object.entries(stack.template.Resources ?? {})) {
      const named = NAMED_TYPES[r.Type];
      const identifier = named?.id(r.Properties ?? {});
      if (!named || identifier === undefined) continue;
      const key = `${r.Type}\u0000${identifier}`;
      const earlier = seen.get(key) ?? [];
      for (const e of earlier) {
        if (e.stack === stack) continue;
        if (!samePlace(named.scope, e.stack, stack)) continue;
        out.push({
          type: r.Type,
          identifier,
          scope: named.scope,
          first: { stackName: e.stack.stackName, stage: e.stack.stage, logicalId: e.logicalId },
          second: { stackName: stack.stackName, stage: stack.stage, logicalId },
        });
      }
      seen.set(key, [...earlier, { stack, logicalId }]);
    }
  }
  return out;
}
