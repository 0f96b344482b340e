import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import type { ResolvedApp, ResolvedNetwork, VpcEndpoint } from '../types';
import { isCidr } from '../units';
import type { Ctx } from './context';
import { resolveExistingNetwork } from './moving-in';

/** Tasks fetch secrets at start: the database's and the cache's (TLS auth) and any service's own. */
export function usesSecretsManager(r: Pick<ResolvedApp, 'database' | 'cache' | 'services'>): boolean {
  return (
    !!r.database || !!r.cache?.tls || Object.values(r.services).some((s) => Object.keys(s.secrets).length > 0)
  );
}

/** Endpoints an SSM-only bastion (no allowedCidrs) needs in subnets without NAT: the agent's three services. */
export const BASTION_SSM_ENDPOINTS = ['ssm', 'ssmmessages', 'ec2messages'] as const;

/** The bastion is reached through Session Manager only (no SSH). */
export function ssmOnlyBastion(ctx: Pick<Ctx, 'app'>): boolean {
  const b = ctx.app.bastion;
  return !!b && b.enabled !== false && !b.allowedCidrs?.length;
}

/**
 * `exec`: a service has ECS Exec on; its agent opens its sessions through `ssmmessages`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html, "Using ECS Exec with VPC endpoints").
 */
export function resolveNetwork(ctx: Ctx, mail: boolean, hasSecrets: boolean, exec = false): ResolvedNetwork {
  const n = ctx.app.network ?? {};
  const { report } = ctx;
  const existing = resolveExistingNetwork(ctx);
  if (existing) return existingNetwork(n, existing);
  const azs = n.azs ?? ctx.profile.network.azs;
  if (azs < 1 || azs > 6) report('network.azs', `got ${azs}; allowed: 1–6`);
  else if (azs < 2)
    report('network.azs', 'got 1; an Application Load Balancer and a database subnet group need ≥ 2 AZs');
  const cidr = n.cidr ?? DEFAULTS.cidr;
  if (!isCidr(cidr)) report('network.cidr', `got ${show(cidr)}; expected an IPv4 CIDR such as '10.0.0.0/16'`);
  else {
    const bits = Number(cidr.split('/')[1]);
    if (bits < 16 || bits > 24)
      report(
        'network.cidr',
        `got ${show(cidr)}; a VPC CIDR prefix is /16–/24 here (room for 3 subnet tiers)`,
      );
  }
  const nat = n.nat ?? ctx.profile.network.nat;
  const publicTasks = n.publicTasks ?? false;
  let endpoints: VpcEndpoint[];
  if (n.endpoints === undefined || n.endpoints === 'auto') {
    // Interface endpoints cost ~$7/AZ/month each; only derive them where tasks have no other way out.
    endpoints =
      nat === 'none' && !publicTasks
        ? [
            's3',
            'ecr',
            'logs',
            ...(hasSecrets ? (['secretsmanager'] as const) : []),
            ...(mail ? (['ses'] as const) : []),
            ...(exec ? (['ssmmessages'] as const) : []),
          ]
        : ['s3'];
    // The bastion sits in the app subnets, which have no way out with nat 'none' even when tasks are public.
    if (nat === 'none' && ssmOnlyBastion(ctx))
      endpoints = [...new Set([...endpoints, ...BASTION_SSM_ENDPOINTS])];
  } else endpoints = [...new Set(n.endpoints)];

  return { azs, cidr, nat, endpoints, publicTasks, flowLogs: n.flowLogs ?? true };
}

/**
 * A VPC the team keeps: its private subnets are assumed to have a way out (nat 'single' stands for "egress exists";
 * no NAT is created). No endpoint by default (the VPC's routes are the team's); interface endpoints on request.
 */
function existingNetwork(
  n: NonNullable<Ctx['app']['network']>,
  existing: NonNullable<ResolvedNetwork['existing']>,
): ResolvedNetwork {
  const endpoints = n.endpoints === undefined || n.endpoints === 'auto' ? [] : [...new Set(n.endpoints)];
  return {
    azs: existing.privateSubnetIds.length,
    cidr: existing.cidr,
    nat: 'single',
    endpoints,
    publicTasks: n.publicTasks ?? false,
    flowLogs: n.flowLogs ?? false,
    existing,
  };
}
