import { resolveLoadBalancing } from '../load-balancing';
import { RESERVED_ENV, STOP_TIMEOUT } from '../contract';
import { programsNotKnown } from '../programs';
import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import type { ResolvedService } from '../types';
import { checkName, checkSize, type Ctx } from './context';
import { resolveDeploy } from './deploy';
import { resolvePermissions } from './moving-in';
import { bucketUseName, envFileBuckets, resolveBucketAccess } from '../bucket-access';

/**
 * Host and path values one ALB listener rule may hold, all conditions together ("Condition values per rule", not
 * adjustable): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 */
const MAX_CONDITION_VALUES = 5;

/** What the app declares besides its services: the defaults of each service's `uses`. */
export interface Declared {
  readonly database: boolean;
  readonly cache: boolean;
  readonly mail: boolean;
  readonly buckets: readonly string[];
}

export function resolveServices(
  ctx: Ctx,
  domain: string | undefined,
  declared: Declared,
): Record<string, ResolvedService> {
  const { report } = ctx;
  const out: Record<string, ResolvedService> = {};
  const hostOwners = new Map<string, string>();
  for (const [name, s] of Object.entries(ctx.app.services)) {
    const at = `services.${name}`;
    checkName(ctx, at, name);
    const hosts = (s.hosts ?? []).map((h) => (h.includes('.') ? h : domain ? `${h}.${domain}` : `${h}.*`));
    for (const h of hosts) {
      const owner = hostOwners.get(h);
      if (owner) report(`${at}.hosts`, `host ${show(h)} is already routed to service '${owner}'`);
      hostOwners.set(h, name);
    }
    const values = hosts.length + (s.paths ?? []).length;
    if (values > MAX_CONDITION_VALUES)
      report(
        at,
        `has ${hosts.length} hosts and ${(s.paths ?? []).length} paths (${values} values); an ALB rule allows at most ${MAX_CONDITION_VALUES}: split the service's routes or use wildcards`,
      );
    out[name] = resolveService(ctx, name, s, hosts, declared);
  }
  const defaults = Object.keys(ctx.app.services).filter((n) => ctx.app.services[n]?.default);
  if (defaults.length > 1)
    report(
      'services',
      `only one service may be the default; these say default: true: ${defaults.join(', ')}`,
    );
  const names = Object.keys(out);
  const chosen = defaults[0] ?? names[0];
  if (chosen && out[chosen]) out[chosen] = { ...out[chosen], isDefault: true };
  for (const s of Object.values(out)) {
    const why = whyNotShifted(s, Object.values(out));
    if (why) {
      // Asked for explicitly: an error saying why. The profile's default: this service deploys rolling instead.
      if (ctx.app.services[s.name]?.deploy !== undefined) report(`services.${s.name}.deploy`, why);
      out[s.name] = { ...s, deploy: { strategy: 'rolling' } };
    }
    // The request-count metric belongs to a target group the ALB forwards to: a rule or the default action.
    if (s.scaling && s.scaling.requests !== false && !s.isDefault && !s.hosts.length && !s.paths.length)
      report(
        `services.${s.name}.scaling.requests`,
        `got ${s.scaling.requests}; the load balancer sends this service no requests (no hosts, no paths, not the default): give it hosts or paths, or scale on cpu/memory`,
      );
  }
  return out;
}

/**
 * Why ECS cannot deploy this service by shifting traffic without changing where requests go, or undefined. ECS
 * shifts canary/linear/blue-green traffic by moving the weights of exactly one listener rule: a service needs traffic
 * (a rule, or being the default) and one rule (at most one path); the default service becomes a catch-all after
 * every other rule, which must not let another service's path-only rule or wildcard host take its requests.
 */
function whyNotShifted(s: ResolvedService, all: readonly ResolvedService[]): string | undefined {
  if (s.deploy.strategy === 'rolling') return undefined;
  const strategy = show(s.deploy.strategy);
  if (!s.isDefault && !s.hosts.length && !s.paths.length)
    return `got ${strategy}; the load balancer sends this service no requests (no hosts, no paths, not the default), so there is no traffic to shift: give it hosts or paths, or deploy 'rolling'`;
  if (!s.isDefault && s.paths.length > 1)
    return `got ${strategy} with ${s.paths.length} paths; ECS shifts traffic on one listener rule, so a service that deploys this way takes hosts and at most one path (or deploy 'rolling')`;
  if (s.isDefault && s.hosts.length + s.paths.length > 0) {
    const overlapping = all.filter(
      (o) =>
        o !== s && ((o.paths.length > 0 && o.hosts.length === 0) || o.hosts.some((h) => h.includes('*'))),
    );
    if (overlapping.length)
      return `got ${strategy} on the default service; ECS shifts one listener rule, so the default service is routed by a catch-all after every other rule, and ${overlapping.map((o) => `'${o.name}'`).join(', ')} (a path without hosts, or a wildcard host) would then take requests its own hosts or paths take today. Give ${overlapping.length > 1 ? 'those services' : 'that service'} literal hosts, or deploy '${s.name}' 'rolling'`;
  }
  return undefined;
}

type ServiceIn = Ctx['app']['services'][string];

function resolveService(
  ctx: Ctx,
  name: string,
  s: ServiceIn,
  hosts: string[],
  declared: Declared,
): ResolvedService {
  const { profile, report } = ctx;
  const at = `services.${name}`;
  const cpu = s.cpu ?? profile.service.cpu;
  const memoryMib = checkSize(ctx, at, cpu, s.memory ?? profile.service.memoryMib);

  const port = s.port ?? DEFAULTS.port;
  if (port < 1 || port > 65535) report(`${at}.port`, `got ${port}; allowed: 1–65535`);
  const stopTimeout = s.stopTimeout ?? DEFAULTS.stopTimeout;
  if (stopTimeout < STOP_TIMEOUT.min || stopTimeout > STOP_TIMEOUT.max)
    report(
      `${at}.stopTimeout`,
      `got ${stopTimeout}; ECS allows ${STOP_TIMEOUT.min}–${STOP_TIMEOUT.max} seconds`,
    );

  const scaling = resolveScaling(ctx, at, s.scaling);
  const desiredCount = scaling ? scaling.min : (s.count ?? profile.service.count);
  if (desiredCount < 0) report(`${at}.count`, `got ${desiredCount}; must be ≥ 0`);

  for (const key of Object.keys(s.env ?? {})) {
    if (RESERVED_ENV.has(key))
      report(`${at}.env.${key}`, `${key} is set by Berth from the config; remove it here`);
  }
  const secrets: Record<string, { secretName: string; jsonKey?: string }> = {};
  for (const [key, ref] of Object.entries(s.secrets ?? {})) {
    if (RESERVED_ENV.has(key))
      report(`${at}.secrets.${key}`, `${key} is set by Berth from the config; remove it here`);
    if (s.env && key in s.env)
      report(`${at}.secrets.${key}`, `${key} is also a plain env variable; keep one`);
    const [secretName, jsonKey, ...rest] = ref.split(':');
    if (!secretName || rest.length || jsonKey === '')
      report(`${at}.secrets.${key}`, `got ${show(ref)}; expected 'secret-name' or 'secret-name:json-key'`);
    else secrets[key] = jsonKey ? { secretName, jsonKey } : { secretName };
  }

  const image: ResolvedService['image'] =
    s.image && 'uri' in s.image
      ? {
          kind: 'external',
          uri: s.image.uri,
          ...(s.image.credentialsSecret ? { credentialsSecret: s.image.credentialsSecret } : {}),
        }
      : {
          kind: 'build',
          dockerfile: s.image?.dockerfile ?? 'Dockerfile',
          context: s.image?.context ?? '.',
          ...(s.image?.target ? { target: s.image.target } : {}),
        };

  if (s.healthCheck)
    checkHealthProgram(ctx, `${at}.healthCheck.command`, s.healthCheck.command, s.imageHas ?? []);

  const usesIn = s.uses ?? {};
  return {
    name,
    port,
    healthPath: s.health ?? DEFAULTS.healthPath,
    readyPath: s.ready ?? DEFAULTS.readyPath,
    hosts,
    hostRules: s.hosts ?? [],
    paths: s.paths ?? [],
    isDefault: false,
    cpu,
    memoryMib,
    arch: s.arch ?? DEFAULTS.arch,
    capacity: s.capacity ?? profile.service.capacity,
    scaling,
    desiredCount,
    ...(s.command ? { command: s.command } : {}),
    ...(s.dev
      ? { dev: { command: s.dev.command, cwd: s.dev.cwd ?? '.', watch: s.dev.watch ?? [s.dev.cwd ?? '.'] } }
      : {}),
    image,
    ...(s.healthCheck ? { healthCheck: { command: s.healthCheck.command } } : {}),
    imageHas: s.imageHas ?? [],
    env: s.env ?? {},
    secrets,
    // Whether the bucket is declared is a cross-section rule (./cross.ts); the shape is this section's.
    envFiles: (s.envFiles ?? []).flatMap((ref, i) => {
      const slash = ref.indexOf('/');
      const bucket = ref.slice(0, slash);
      const key = ref.slice(slash + 1);
      if (slash < 1 || !key) {
        report(
          `${at}.envFiles.${i}`,
          `got ${show(ref)}; expected '<bucket>/<key>' with a declared bucket (${declared.buckets.join(', ') || 'none declared'})`,
        );
        return [];
      }
      if (!key.endsWith('.env'))
        report(`${at}.envFiles.${i}`, `got ${show(ref)}; ECS reads env files whose names end in '.env'`);
      return [{ bucket, key }];
    }),
    stopTimeout,
    exec: s.exec ?? profile.exec,
    deploy: resolveDeploy(ctx, at, s.deploy),
    loadBalancing: resolveLoadBalancing(ctx, at, s.loadBalancing),
    uses: {
      database: usesIn.database ?? declared.database,
      cache: usesIn.cache ?? declared.cache,
      mail: usesIn.mail ?? declared.mail,
      buckets: (usesIn.buckets ?? declared.buckets).map(bucketUseName),
      bucketAccess: resolveBucketAccess(usesIn.buckets, declared.buckets, envFileBuckets(ctx.app.services)),
    },
    permissions: resolvePermissions(ctx, at, s.permissions),
  };
}

function resolveScaling(ctx: Ctx, at: string, scalingIn0: ServiceIn['scaling']): ResolvedService['scaling'] {
  const { profile, report } = ctx;
  const scalingIn = scalingIn0 === undefined ? profile.service.scaling : scalingIn0;
  if (scalingIn === false) return false;
  const base = profile.service.scaling || { min: 1, max: 4, cpu: 60, memory: 70 };
  const scaling = {
    min: scalingIn.min ?? base.min,
    max: scalingIn.max ?? base.max,
    cpu: scalingIn.cpu ?? base.cpu,
    memory: scalingIn.memory ?? base.memory,
    requests: ('requests' in scalingIn ? scalingIn.requests : undefined) ?? false,
  };
  if (scaling.min < 0) report(`${at}.scaling.min`, `got ${scaling.min}; must be ≥ 0`);
  if (scaling.max < 1 || scaling.max > 1000)
    report(`${at}.scaling.max`, `got ${scaling.max}; allowed: 1–1000`);
  if (scaling.min > scaling.max)
    report(`${at}.scaling`, `min (${scaling.min}) must be ≤ max (${scaling.max})`);
  for (const metric of ['cpu', 'memory'] as const) {
    const t = scaling[metric];
    if (t !== false && (t < 10 || t > 95))
      report(`${at}.scaling.${metric}`, `got ${t}; a target utilisation is 10–95 (%)`);
  }
  if (scaling.requests !== false && scaling.requests < 1)
    report(`${at}.scaling.requests`, `got ${scaling.requests}; must be ≥ 1 request per target per minute`);
  if (scaling.cpu === false && scaling.memory === false && scaling.requests === false) {
    report(`${at}.scaling`, 'no metric left to scale on: set cpu, memory or requests, or scaling: false');
  }
  return scaling;
}

function checkHealthProgram(
  ctx: Ctx,
  at: string,
  command: readonly string[],
  imageHas: readonly string[],
): void {
  for (const program of programsNotKnown(command, imageHas)) {
    ctx.report(
      at,
      `calls ${show(program)}, which the image is not known to have (slim images often lack it): add '${program}' to imageHas if the image has it, or drop healthCheck and rely on the load balancer's check`,
    );
  }
}
