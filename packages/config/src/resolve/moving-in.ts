import { show } from '../errors';
import type { ResolvedExistingNetwork, ResolvedPermission, ResolvedSnapshot } from '../types-moving-in';
import type { Ctx } from './context';

type Input<T> = T extends readonly (infer U)[] ? U : never;
type PermissionInput = Input<NonNullable<NonNullable<Ctx['app']['services'][string]['permissions']>>>;
type SnapshotInput = NonNullable<NonNullable<Ctx['app']['database']>['snapshot']>;

/** `dynamodb:GetItem`, `dynamodb:Get*`, `s3:*Object`, or `*`: a service prefix, a colon, an action with wildcards. */
export const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** `*`, or an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>` (region and account may be empty). */
const RESOURCE = /^(\*|arn:(aws[a-z-]*|\*):[a-z0-9-*]+:[a-z0-9-*]*:(\d{12}|\*)?:.+)$/;
/** `StringEquals`, `ArnLike`, `ForAnyValue:StringLike`, `NumericLessThanIfExists`… */
const OPERATOR = /^((ForAllValues|ForAnyValue):)?[A-Z][A-Za-z]+(IfExists)?$/;

/** The config's own IAM statements of a service or job, each action, resource and operator checked. */
export function resolvePermissions(
  ctx: Ctx,
  at: string,
  permissions: readonly PermissionInput[] | undefined,
): ResolvedPermission[] {
  return (permissions ?? []).map((p, i) => {
    p.actions.forEach((a, j) => {
      if (!ACTION.test(a))
        ctx.report(
          `${at}.permissions.${i}.actions.${j}`,
          `got ${show(a)}; an IAM action is 'service:Action' (e.g. 'dynamodb:GetItem'), with * or ? as wildcards ('dynamodb:Get*'), or '*'`,
        );
    });
    p.resources.forEach((r, j) => {
      if (!RESOURCE.test(r))
        ctx.report(
          `${at}.permissions.${i}.resources.${j}`,
          `got ${show(r)}; a resource is an ARN such as 'arn:aws:dynamodb:eu-west-1:111122223333:table/documents', or '*'`,
        );
    });
    for (const op of Object.keys(p.conditions ?? {}))
      if (!OPERATOR.test(op))
        ctx.report(
          `${at}.permissions.${i}.conditions.${op}`,
          `got ${show(op)}; a condition operator such as 'StringEquals', 'ArnLike' or 'ForAnyValue:StringLike'`,
        );
    return {
      from: `${at}.permissions.${i}`,
      actions: [...p.actions],
      resources: [...p.resources],
      ...(p.conditions ? { conditions: p.conditions } : {}),
    };
  });
}

/** The snapshot a database restores from: an id in this account and region, or an ARN (shared). */
export function resolveSnapshot(
  ctx: Ctx,
  engine: 'aurora-serverless-v2' | 'postgres',
  s: SnapshotInput | undefined,
  environmentRegion?: string,
): ResolvedSnapshot | undefined {
  if (!s) return undefined;
  const at = 'database.snapshot';
  if ((s.arn === undefined) === (s.id === undefined)) {
    ctx.report(
      at,
      'give exactly one of arn (a snapshot shared from another account) or id (one in this account)',
    );
    return undefined;
  }
  const kind = engine === 'postgres' ? 'snapshot' : 'cluster-snapshot';
  if (s.arn !== undefined && s.arn.split(':')[5] !== kind)
    ctx.report(
      `${at}.arn`,
      `got ${show(s.arn)}; engine '${engine}' restores from a DB ${engine === 'postgres' ? 'instance snapshot (…:snapshot:<name>)' : 'cluster snapshot (…:cluster-snapshot:<name>)'}`,
    );
  const region = environmentRegion ?? ctx.app.region ?? 'us-east-1';
  for (const [key, value] of [
    ['arn', s.arn],
    ['kmsKey', s.kmsKey],
  ] as const)
    if (value !== undefined && value.split(':')[3] !== region)
      ctx.report(
        `${at}.${key}`,
        `got ${show(value)}; a restore reads a snapshot and key in the environment's region (${region}): copy the snapshot here first (docs/moving-in.md)`,
      );
  return {
    identifier: s.arn ?? s.id!,
    shared: s.arn !== undefined,
    ...(s.kmsKey ? { kmsKey: s.kmsKey } : {}),
    username: s.username,
    note:
      `restored from ${s.arn ?? s.id} when the database is created; changing database.snapshot afterwards ` +
      'replaces the database (berth diff shows the replacement): remove it only with a migration plan',
  };
}

/** A VPC the team keeps: one public and one private subnet per AZ; data subnets default to the private ones. */
export function resolveExistingNetwork(ctx: Ctx): ResolvedExistingNetwork | undefined {
  const e = ctx.app.network?.existing;
  if (!e) return undefined;
  const at = 'network.existing';
  const azs = e.privateSubnetIds.length;
  if (azs < 2) ctx.report(`${at}.privateSubnetIds`, `got ${azs}; give one per AZ, in ≥ 2 AZs`);
  const same = (key: 'publicSubnetIds' | 'dataSubnetIds' | 'availabilityZones') => {
    const n = e[key]?.length;
    if (n !== undefined && n !== azs)
      ctx.report(
        `${at}.${key}`,
        `got ${n}; give one per AZ, as many as privateSubnetIds (${azs}), same order`,
      );
  };
  same('publicSubnetIds');
  same('dataSubnetIds');
  same('availabilityZones');
  for (const key of ['nat', 'cidr', 'azs'] as const)
    if (ctx.app.network?.[key] !== undefined)
      ctx.report(
        `network.${key}`,
        `does not apply with network.existing: the VPC is the team's, not Berth's`,
      );
  if (ctx.app.standby)
    ctx.report(at, "a pilot-light standby creates its own VPC in its region; drop 'standby'");
  return {
    vpcId: e.vpcId,
    cidr: e.cidr,
    publicSubnetIds: [...e.publicSubnetIds],
    privateSubnetIds: [...e.privateSubnetIds],
    dataSubnetIds: [...(e.dataSubnetIds ?? e.privateSubnetIds)],
    ...(e.availabilityZones ? { availabilityZones: [...e.availabilityZones] } : {}),
  };
}

/** A bucket Berth does not own: only grants apply; settings of the bucket itself stay with its owner. */
export function checkExistingBucket(ctx: Ctx, name: string): string | undefined {
  const b = ctx.app.buckets?.[name];
  if (!b?.existing) return undefined;
  for (const key of [
    'cors',
    'lifecycle',
    'versioned',
    'intelligentTiering',
    'noncurrentVersionDays',
  ] as const)
    if (b[key] !== undefined)
      ctx.report(
        `buckets.${name}.${key}`,
        `does not apply to an existing bucket (${b.existing}): CloudFormation cannot change a bucket it does not own; set it on the bucket itself (docs/moving-in.md)`,
      );
  return b.existing;
}

/** A job runs with its service's task role: the service's permissions are its own, then its jobs'. */
export function withJobPermissions<S extends { readonly permissions: readonly ResolvedPermission[] }>(
  services: Readonly<Record<string, S>>,
  jobs: Readonly<
    Record<string, { readonly service: string; readonly permissions: readonly ResolvedPermission[] }>
  >,
): Record<string, S> {
  const out: Record<string, S> = {};
  for (const [name, s] of Object.entries(services)) {
    const extra = Object.values(jobs)
      .filter((j) => j.service === name)
      .flatMap((j) => j.permissions);
    out[name] = extra.length ? { ...s, permissions: [...s.permissions, ...extra] } : s;
  }
  return out;
}
