import type { ResolvedApp } from '@berthjs/config';

/** One listener rule of the local router, in evaluation order (the ALB's priorities). */
export interface RouteRule {
  readonly service: string;
  /** A label (`api` → `api.localhost`, `api.<anything>`) or a full host name; undefined: any host. */
  readonly host?: string;
  /** ALB path patterns (`/api/*`); undefined: any path. */
  readonly paths?: readonly string[];
}

/**
 * The rules the ALB gets, in the order it evaluates them: host+path rules, then full host names, then labels, then
 * path-only rules. Unmatched requests go to the default service, like the listener's default action.
 */
export function routeRules(resolved: ResolvedApp): RouteRule[] {
  const rules: { rule: RouteRule; rank: number }[] = [];
  for (const service of Object.values(resolved.services)) {
    const paths = service.paths.length > 0 ? service.paths : undefined;
    for (const host of service.hostRules) {
      const rank = (paths ? 0 : 1) + (host.includes('.') ? 0 : 2);
      rules.push({ rule: { service: service.name, host, ...(paths ? { paths } : {}) }, rank });
    }
    if (service.hostRules.length === 0 && paths)
      rules.push({ rule: { service: service.name, paths }, rank: 5 });
  }
  return rules.sort((a, b) => a.rank - b.rank).map((r) => r.rule);
}

/** The service that answers a request with this Host header and path. */
export function routeRequest(
  rules: readonly RouteRule[],
  defaultService: string,
  hostHeader: string | undefined,
  path: string,
): string {
  const host = hostName(hostHeader);
  for (const rule of rules) {
    if (rule.host !== undefined && !hostMatches(rule.host, host)) continue;
    if (rule.paths !== undefined && !rule.paths.some((p) => pathMatches(p, path))) continue;
    return rule.service;
  }
  return defaultService;
}

/** `API.localhost:4000` → `api.localhost`; `[::1]:4000` → `::1`. */
export function hostName(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '').replace(/\.$/, '');
}

function hostMatches(rule: string, host: string): boolean {
  const r = rule.toLowerCase();
  // A full host name matches itself (wildcards as the ALB allows: `*.example.com`).
  if (r.includes('.')) return r.startsWith('*.') ? host.endsWith(r.slice(1)) : host === r;
  // A label matches api.localhost locally and api.<domain> anywhere.
  return host === `${r}.localhost` || host.startsWith(`${r}.`);
}

function pathMatches(pattern: string, path: string): boolean {
  const pathname = path.split('?')[0] ?? path;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+^${}()|[\]\\?]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(pathname);
}
