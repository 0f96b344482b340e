import type { ResolvedApp } from './types';

/**
 * One routing rule: a service's hosts (any of them) and at most one path pattern. The ALB gets one listener rule per
 * route at the priority of its place in `routeOrder`; `berth dev`'s router tries them in the same order. Requests no
 * route matches go to the default service (the listener's default action).
 */
export interface Route {
  readonly service: string;
  /** Host-header values as the ALB sees them (`api.example.com`); empty: any host. */
  readonly hosts: readonly string[];
  /** The same hosts as written in the config: the local router also answers a label on `<label>.localhost`. */
  readonly hostRules: readonly string[];
  /** One ALB path pattern (`/docs/*`); undefined: any path. */
  readonly path?: string;
}

/**
 * The order routes are evaluated in, most specific first, so the rule that wins never depends on the order the
 * services are declared in:
 *
 * 1. host and path, then host only, then path only;
 * 2. exact hosts before wildcard hosts (`admin.site.test` before `*.site.test`, or `api.*`: a label without a domain);
 * 3. longer literal path prefixes first (`/api/v2/*` before `/api/*`), an exact path before a pattern;
 * 4. then declaration order.
 *
 * A service with several paths gets a route per path, so each of its paths sorts by its own specificity. The ALB
 * evaluates listener rules by priority, lowest first, and the first match wins; the default rule is last
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html).
 */
export function routeOrder(resolved: Pick<ResolvedApp, 'services'>): Route[] {
  const keyed: { route: Route; key: number[] }[] = [];
  Object.values(resolved.services).forEach((s, serviceIndex) => {
    const hosts = [...s.hosts];
    const hostRules = [...s.hostRules];
    const hasHosts = hosts.length > 0;
    const wildcard = hosts.some((h) => /[*?]/.test(h)) ? 1 : 0;
    if (s.paths.length === 0) {
      if (hasHosts)
        keyed.push({
          route: { service: s.name, hosts, hostRules },
          key: [1, wildcard, 0, 0, serviceIndex, 0],
        });
      return;
    }
    s.paths.forEach((path, pathIndex) => {
      const literal = path.split(/[*?]/)[0]!.length;
      const isPattern = /[*?]/.test(path) ? 1 : 0;
      keyed.push({
        route: { service: s.name, hosts, hostRules, path },
        key: [hasHosts ? 0 : 2, wildcard, -literal, isPattern, serviceIndex, pathIndex],
      });
    });
  });
  return keyed.sort((a, b) => compare(a.key, b.key)).map((k) => k.route);
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
