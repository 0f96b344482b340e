import * as iam from 'aws-cdk-lib/aws-iam';
import type { ResolvedApp, ResolvedPermission } from '@berthjs/config';
import type { RuleViolation } from '../rules/rule';
import type { Call } from './holders';

/**
 * The config's own IAM statements (`services.<name>.permissions`, `jobs.<name>.permissions`): added to the task role
 * as written, modelled as calls so Berth-PermissionsProven proves them, and checked for wildcards by
 * Berth-PermissionsScoped.
 */

/** The statements on a service's task role: its own, then those of the jobs that run with it (resolve merges them). */
export function permissionsOf(
  resolved: Pick<ResolvedApp, 'services'>,
  service: string,
): readonly ResolvedPermission[] {
  return resolved.services[service]?.permissions ?? [];
}

export function statementOf(p: ResolvedPermission): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [...p.actions],
    resources: [...p.resources],
    ...(p.conditions ? { conditions: p.conditions as Record<string, unknown> } : {}),
  });
}

/** One call per action and resource, wildcards filled with a probe name, the condition's first values as context. */
export function configCalls(service: string, permissions: readonly ResolvedPermission[]): Call[] {
  const fill = (s: string) => s.replace(/[*?]/g, 'probe');
  const calls: Call[] = [];
  for (const p of permissions) {
    const context: Record<string, string> = {};
    for (const [op, keys] of Object.entries(p.conditions ?? {}))
      if (!/^Null$|Numeric|Date/.test(op))
        for (const [key, value] of Object.entries(keys))
          context[key] = String(Array.isArray(value) ? value[0] : value);
    for (const action of p.actions)
      for (const resource of p.resources)
        calls.push({
          action: action === '*' ? 'probe:Probe' : fill(action),
          resource: fill(resource),
          ...(Object.keys(context).length ? { context } : {}),
          why: `the config grants ${action} on ${resource} to ${service} (permissions)`,
        });
  }
  return calls;
}

/** Actions that read or write data, where a `*` resource means every table, bucket, queue or key of the account. */
const DATA_SERVICES =
  /^(s3|dynamodb|rds|rds-data|sqs|sns|kinesis|firehose|secretsmanager|ssm|kms|es|aoss|elasticache|glue|athena|timestream|redshift|redshift-data|docdb-elastic|neptune-db|cassandra|qldb|backup|ses|email|lambda|states|events|logs):/;

/** `*` actions (or `svc:*`) anywhere, and `*` resources on data actions: refused unless acknowledged with a reason. */
export function wildcardViolations(resolved: ResolvedApp): RuleViolation[] {
  const out: RuleViolation[] = [];
  const check = (permissions: readonly ResolvedPermission[]) =>
    permissions.forEach((p) => {
      const at = p.from;
      for (const a of p.actions)
        if (a === '*' || /^[a-z0-9-]+:\*$/.test(a))
          out.push({
            resource: at,
            message: `${at} grants ${a}: every action${a === '*' ? ' of every service' : ` of ${a.split(':')[0]}`}; list the actions the code calls, or acknowledge it with a reason`,
          });
      if (p.resources.includes('*')) {
        const data = p.actions.filter((a) => a === '*' || DATA_SERVICES.test(a));
        if (data.length)
          out.push({
            resource: at,
            message: `${at} grants ${data.join(', ')} on '*': every resource of the account; name the ARNs, or acknowledge it with a reason`,
          });
      }
    });
  for (const s of Object.values(resolved.services)) check(s.permissions);
  return out;
}
