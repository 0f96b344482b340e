import type { Route } from '@berthjs/config';

/**
 * The local router's half of the route order: `routeOrder(resolved)` (in @berthjs/config) gives the rules in the
 * order the ALB's priorities give them, and this file matches a request against them the way the ALB does.
 */

/** The service that answers a request with this Host header and path. */
export function routeRequest(
  rules: readonly Route[],
  defaultService: string,
  hostHeader: string | undefined,
  path: string,
): string {
  const host = hostName(hostHeader);
  for (const rule of rules) {
    if (rule.hosts.length > 0 && !hostMatches(rule, host)) continue;
    if (rule.path !== undefined && !pathMatches(rule.path, path)) continue;
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

/**
 * The ALB's host values (`api.example.com`, or `api.*` for a label without a domain), compared case-insensitively
 * with its wildcards; and a label also answers on `<label>.localhost`, the name a browser resolves locally.
 */
function hostMatches(rule: Route, host: string): boolean {
  if (rule.hosts.some((h) => wildcard(h, 'i').test(host))) return true;
  return rule.hostRules.some((h) => !h.includes('.') && host === `${h.toLowerCase()}.localhost`);
}

/** Path patterns are case-sensitive and match the path only, never the query string. */
function pathMatches(pattern: string, path: string): boolean {
  return wildcard(pattern).test(path.split('?')[0] ?? path);
}

/** An ALB match pattern as a regular expression: `*` matches any run of characters, `?` exactly one. */
function wildcard(pattern: string, flags = ''): RegExp {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}
