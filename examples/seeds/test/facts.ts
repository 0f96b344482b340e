import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Facts read from a synthesized template, for the seeds README's table (readme.test.ts): each fact is a name the
 * table uses and a function from the environment's app template to the text the table must show.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON read by path; each fact's value is checked
type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };
type Resources = Record<string, Resource>;

const resources = (t: Template) => (t.toJSON() as { Resources: Resources }).Resources;
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, v]) => v.Type === type);

/** Logical ids a JSON value references (Ref and Fn::GetAtt). */
function refs(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.Ref === 'string') out.add(o.Ref);
    const att = o['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string') out.add(att[0]);
    Object.values(o).forEach((v) => refs(v, out));
  }
  return out;
}

/** The task definition of a Berth service: its family is `<app>-<stage>-<service>`. */
function taskId(r: Resources, name: string): string {
  const found = ofType(r, 'AWS::ECS::TaskDefinition').filter(([, t]) =>
    String(t.Properties!.Family).endsWith(`-${name}`),
  );
  if (found.length !== 1)
    throw new Error(`expected one task definition for '${name}', found ${found.length}`);
  return found[0]![0];
}

const taskOf = (r: Resources, name: string) => r[taskId(r, name)]!;

/** The ECS service running the service's task definition. */
function serviceOf(r: Resources, name: string): Resource {
  const id = taskId(r, name);
  const found = ofType(r, 'AWS::ECS::Service').filter(([, s]) => refs(s.Properties!.TaskDefinition).has(id));
  if (found.length !== 1) throw new Error(`expected one ECS service for '${name}', found ${found.length}`);
  return found[0]![1];
}

const container = (r: Resources, name: string) => taskOf(r, name).Properties!.ContainerDefinitions[0];

function capacity(r: Resources, name: string): string {
  const s = serviceOf(r, name).Properties!;
  const strategy = (s.CapacityProviderStrategy ?? []) as { CapacityProvider: unknown; Weight?: number }[];
  const named = strategy.filter((p) => (p.Weight ?? 0) > 0).map((p) => p.CapacityProvider);
  if (named.length === 1 && named[0] === 'FARGATE') return 'Fargate';
  if (named.length === 1 && named[0] === 'FARGATE_SPOT') return 'Fargate Spot';
  const asg = ofType(r, 'AWS::AutoScaling::AutoScalingGroup')[0]?.[1];
  const template = ofType(r, 'AWS::EC2::LaunchTemplate')[0]?.[1];
  if (asg && template)
    return `EC2 ${template.Properties!.LaunchTemplateData.InstanceType}, ${asg.Properties!.MinSize}–${asg.Properties!.MaxSize} instances`;
  throw new Error(`capacity of '${name}': ${JSON.stringify(strategy)}`);
}

function tasks(r: Resources, name: string): string {
  const service = Object.entries(r).find(([, v]) => v === serviceOf(r, name))![0];
  const target = ofType(r, 'AWS::ApplicationAutoScaling::ScalableTarget').find(([, t]) =>
    refs(t.Properties!.ResourceId).has(service),
  )?.[1];
  if (target) return `${target.Properties!.MinCapacity}–${target.Properties!.MaxCapacity}`;
  return `${serviceOf(r, name).Properties!.DesiredCount} (fixed)`;
}

function taskSize(r: Resources, name: string): string {
  const p = taskOf(r, name).Properties!;
  return `${Number(p.Cpu) / 1024} vCPU, ${p.Memory} MiB`;
}

function secretSource(r: Resources, name: string, variable: string): string {
  const s = ((container(r, name).Secrets ?? []) as { Name: string; ValueFrom: unknown }[]).find(
    (x) => x.Name === variable,
  );
  if (!s) return 'absent';
  // A generated database secret is referenced through its attachment to the database.
  const stackTypes = ['AWS::SecretsManager::Secret', 'AWS::SecretsManager::SecretTargetAttachment'];
  const inStack = [...refs(s.ValueFrom)].some((id) => stackTypes.includes(r[id]?.Type ?? ''));
  return inStack ? 'created by the stack' : 'an existing secret';
}

/** S3 actions the service's task role is allowed on a bucket (by the bucket's name in the config). */
function taskRoleOnBucket(r: Resources, name: string, bucket: string): string {
  const role = [...refs(taskOf(r, name).Properties!.TaskRoleArn)][0]!;
  // Berth's bucket logical ids are `Bucket<Name>` (logical-ids.ts), e.g. BucketConfig.
  const logical = `Bucket${bucket.replace(/(^|-)([a-z])/g, (_, _d, c: string) => c.toUpperCase())}`;
  const buckets = ofType(r, 'AWS::S3::Bucket')
    .filter(([id]) => id === logical)
    .map(([id]) => id);
  if (buckets.length !== 1) throw new Error(`expected one bucket '${bucket}', found ${buckets.length}`);
  const actions = new Set<string>();
  for (const [, p] of ofType(r, 'AWS::IAM::Policy')) {
    if (!refs(p.Properties!.Roles).has(role)) continue;
    for (const st of p.Properties!.PolicyDocument.Statement as Record<string, unknown>[]) {
      if (st.Effect !== 'Allow' || !refs(st.Resource).has(buckets[0]!)) continue;
      for (const a of [st.Action].flat() as string[]) if (a.startsWith('s3:')) actions.add(a);
    }
  }
  return actions.size ? [...actions].sort().join(', ') : 'none';
}

function database(r: Resources): string {
  const cluster = ofType(r, 'AWS::RDS::DBCluster')[0]?.[1];
  if (cluster) {
    const s = cluster.Properties!.ServerlessV2ScalingConfiguration;
    return `Aurora PostgreSQL ${cluster.Properties!.EngineVersion}, ${s.MinCapacity}–${s.MaxCapacity} ACU`;
  }
  const primary = ofType(r, 'AWS::RDS::DBInstance').find(
    ([, i]) => !i.Properties!.SourceDBInstanceIdentifier,
  )?.[1];
  if (!primary) return 'none';
  return `RDS PostgreSQL ${primary.Properties!.EngineVersion}, ${primary.Properties!.DBInstanceClass}`;
}

function multiAz(r: Resources): string {
  if (ofType(r, 'AWS::RDS::DBCluster').length)
    return ofType(r, 'AWS::RDS::DBInstance').length > 1 ? 'yes (a reader)' : 'no';
  const primary = ofType(r, 'AWS::RDS::DBInstance').find(
    ([, i]) => !i.Properties!.SourceDBInstanceIdentifier,
  )?.[1];
  return primary?.Properties!.MultiAZ ? 'yes' : 'no';
}

function parameters(r: Resources): string {
  const group = [
    ...ofType(r, 'AWS::RDS::DBParameterGroup'),
    ...ofType(r, 'AWS::RDS::DBClusterParameterGroup'),
  ][0]?.[1];
  if (!group) return 'default group';
  return Object.entries(group.Properties!.Parameters as Record<string, string>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}

function cache(r: Resources): string {
  const g = ofType(r, 'AWS::ElastiCache::ReplicationGroup')[0]?.[1]?.Properties;
  if (!g) return 'none';
  return `${g.Engine} ${g.EngineVersion}, ${g.CacheNodeType} × ${g.NumCacheClusters}, TLS ${g.TransitEncryptionEnabled ? 'on' : 'off'}`;
}

function rotation(r: Resources): string {
  const s = ofType(r, 'AWS::SecretsManager::RotationSchedule')[0]?.[1];
  if (!s) return 'none';
  const rules = s.Properties!.RotationRules as {
    ScheduleExpression?: string;
    AutomaticallyAfterDays?: number;
  };
  const days = rules.AutomaticallyAfterDays ?? rules.ScheduleExpression?.match(/^rate\((\d+) days?\)$/)?.[1];
  return `every ${days} days`;
}

function logRetention(r: Resources, name: string): string {
  const group = [...refs(container(r, name).LogConfiguration?.Options)].find(
    (id) => r[id]?.Type === 'AWS::Logs::LogGroup',
  );
  return `${r[group!]!.Properties!.RetentionInDays} days`;
}

const vpc = (r: Resources) => ofType(r, 'AWS::EC2::VPC')[0]?.[1].Properties!.CidrBlock ?? 'none';

/** Fact name → reader. `<svc>` and `<x>` are filled from the table's fact text, e.g. `tasks: api`. */
export const FACTS: Readonly<Record<string, (t: Template, ...args: string[]) => string>> = {
  capacity: (t, s) => capacity(resources(t), s!),
  tasks: (t, s) => tasks(resources(t), s!),
  'task size': (t, s) => taskSize(resources(t), s!),
  'container health check': (t, s) => (container(resources(t), s!).HealthCheck ? 'yes' : 'none'),
  'ECS secrets': (t, s) =>
    ((container(resources(t), s!).Secrets ?? []) as { Name: string }[])
      .map((x) => x.Name)
      .sort()
      .join(', ') || 'none',
  secret: (t, s, v) => secretSource(resources(t), s!, v!),
  'task role on bucket': (t, s, b) => taskRoleOnBucket(resources(t), s!, b!),
  'log retention': (t, s) => logRetention(resources(t), s!),
  database: (t) => database(resources(t)),
  'database Multi-AZ': (t) => multiAz(resources(t)),
  'read replica': (t) =>
    ofType(resources(t), 'AWS::RDS::DBInstance').some(([, i]) => i.Properties!.SourceDBInstanceIdentifier)
      ? 'yes'
      : 'no',
  'database parameters': (t) => parameters(resources(t)),
  'password rotation': (t) => rotation(resources(t)),
  cache: (t) => cache(resources(t)),
  'VPC CIDR': (t) => vpc(resources(t)),
  'NAT gateways': (t) => String(ofType(resources(t), 'AWS::EC2::NatGateway').length),
};

/**
 * A fact as the table writes it: `name` alone, `name: service`, or `name: service, argument`
 * (e.g. `secret: api, FLASK_SECRET_KEY`, `task role on bucket: api, config`).
 */
export function readFact(template: Template, fact: string): string {
  const [name, rest] = fact.split(/:\s*/, 2) as [string, string | undefined];
  const reader = FACTS[name];
  if (!reader) throw new Error(`unknown fact '${name}'; known: ${Object.keys(FACTS).join(', ')}`);
  return reader(template, ...(rest ? rest.split(/,\s*/) : []));
}
