import { awsvpcTasksPerInstance, MAX_NETWORK_INTERFACES } from '../eni';
import { show } from '../errors';
import { CACHE_REFUSED, PARAMETER_NAME, type ApplyType } from '../parameters';
import type { ResolvedApp } from '../types';
import type { Ctx, Parsed } from './context';
import type { CrossRule } from './cross';

/**
 * Checks for what the source documents got wrong by hand (issue 29): an EC2 ceiling below the services' maximum, one
 * hosted zone written by environments in two accounts, and engine parameters Berth's resources cannot take.
 */

/** `database.parameters` / `cache.parameters` as strings, refusing what Berth's resources cannot take. */
export function resolveParameters(
  ctx: Ctx,
  kind: 'database' | 'cache',
  given: Readonly<Record<string, string | number>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    const refused = kind === 'cache' ? CACHE_REFUSED[name] : undefined;
    if (!PARAMETER_NAME.test(name))
      ctx.report(
        `${kind}.parameters`,
        `got the name ${show(name)}; a parameter name is lower case, such as ${kind === 'database' ? "'log_min_duration_statement'" : "'maxmemory-policy'"}`,
      );
    else if (refused) ctx.report(`${kind}.parameters.${name}`, `cannot be set: ${refused}`);
    else if (typeof value === 'number' && !Number.isFinite(value))
      ctx.report(`${kind}.parameters.${name}`, `got ${show(value)}; expected a finite number or a string`);
    else out[name] = String(value);
  }
  return out;
}

export type { ApplyType };

/** The most tasks a service may run: its scaling maximum, or its fixed count. */
const mostTasks = (s: ResolvedApp['services'][string]) => (s.scaling ? s.scaling.max : s.desiredCount);

/**
 * The fewest instances that hold the services' most tasks, for an unset `ec2.maxInstances`; `fallback` when the
 * instance type is not in the table (the rule below reports it) or when fewer would do.
 */
export function ec2CeilingFor(
  instanceType: string,
  services: readonly ResolvedApp['services'][string][],
  fallback: number,
): number {
  const perInstance = awsvpcTasksPerInstance(instanceType);
  if (perInstance === undefined) return fallback;
  const needed = services.reduce((n, s) => n + mostTasks(s), 0);
  return Math.max(fallback, Math.ceil(needed / perInstance));
}

export const CHECKS_BY_HAND: readonly CrossRule[] = [
  {
    // Tekalo's document: 4 × t3.medium (2 awsvpc tasks each) under a service that may scale to 10. ECS would leave
    // the tasks beyond 8 in PROVISIONING with nowhere to place them. Berth refuses rather than sizing the group
    // itself: the instance count is the bill, and the team should see the number it pays for.
    id: 'ec2-instances-hold-the-services-tasks',
    sections: ['ec2', 'services'],
    check(r, ctx) {
      if (!r.ec2) return;
      const type = r.ec2.instanceType;
      const perInstance = awsvpcTasksPerInstance(type);
      if (perInstance === undefined) {
        ctx.report(
          'ec2.instanceType',
          `got ${show(type)}, whose network interface limit Berth's table (AWS's published limits) does not list, so it cannot tell how many awsvpc tasks an instance holds; use a listed family: ${Object.keys(MAX_NETWORK_INTERFACES).join(', ')}`,
        );
        return;
      }
      const users = Object.values(r.services).filter((s) => s.capacity === 'ec2');
      const needed = users.reduce((n, s) => n + mostTasks(s), 0);
      const holds = r.ec2.maxInstances * perInstance;
      if (holds >= needed) return;
      const instances = Math.ceil(needed / perInstance);
      const where = `ec2.maxInstances (environments.${ctx.stage}.overrides.ec2 for this environment alone)`;
      ctx.report(
        'ec2.maxInstances',
        `got ${r.ec2.maxInstances} × ${type}, which hold ${holds} awsvpc tasks (${perInstance} per instance: each task takes a network interface and the instance's own counts against the type's ${perInstance + 1}), but ${users
          .map((s) => `services.${s.name} may run ${mostTasks(s)}`)
          .join(
            ' and ',
          )} (${needed} in all); set ${where} to at least ${instances}, pick a type with more interfaces, or lower the services' scaling max`,
      );
    },
  },
];

/**
 * A Route 53 hosted zone belongs to one account, and only that account's credentials change its records: two
 * environments in different accounts that name the same `edge.hostedZoneId` cannot both deploy. The pattern is a zone
 * per account — e.g. `dev.example.org` in the dev account — delegated from the parent zone by an NS record that
 * lists the child zone's name servers (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html).
 */
export function checkHostedZoneAccounts(app: Parsed, stage: string, report: Ctx['report']): void {
  const zoneOf = (name: string) => {
    const env = app.environments[name];
    const edge = { ...app.edge, ...env?.overrides?.edge };
    if ((edge.dns ?? 'route53') !== 'route53' || !edge.domain || !edge.hostedZoneId) return undefined;
    return { zone: edge.hostedZoneId, domain: edge.domain, account: env?.account };
  };
  const mine = zoneOf(stage);
  if (!mine?.account) return;
  const others = Object.keys(app.environments)
    .filter((e) => e !== stage)
    .map((e) => ({ stage: e, ...zoneOf(e) }))
    .filter((o) => o.zone === mine.zone && o.account && o.account !== mine.account);
  if (!others.length) return;
  report(
    'edge.hostedZoneId',
    `got ${show(mine.zone)} for ${stage} (account ${mine.account}), and ${others.map((o) => `${o.stage} (account ${o.account})`).join(', ')} name${others.length === 1 ? 's' : ''} the same zone; a hosted zone belongs to one account, whose credentials alone write its records. Keep the zone in one account and give each other account a zone of its own for its subdomain, delegated from the parent zone by an NS record listing that zone's four name servers; then set environments.${stage}.overrides.edge.hostedZoneId to the zone in account ${mine.account} that holds ${show(mine.domain)}`,
  );
}
