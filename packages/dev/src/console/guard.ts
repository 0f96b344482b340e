import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Which requests `berth dev` answers at all. It is a server on a shared machine and within a browser's reach: a page
 * on any site can make the browser send requests to 127.0.0.1, and a DNS-rebinding page can even read the answers
 * (its own host name resolves to 127.0.0.1, so the browser sees a same-origin response). So:
 * - the console answers only the loopback names on the router's port (a rebinding page's Host is its own name);
 * - the router answers loopback names, `*.localhost` (browsers resolve those to loopback themselves, RFC 6761 §6.3)
 *   and the app's own full host names;
 * - a state-changing console call needs a local Origin (or none) and the session token, which only the console page
 *   itself carries: a cross-site page can send a text/plain POST but cannot set a header or read the token.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const TOKEN_HEADER = 'x-berth-token';

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** A fresh per-session token: the console page gets it embedded, a cross-site page never sees it. */
export function sessionToken(): string {
  return randomBytes(24).toString('base64url');
}

/** `API.localhost:4000` → { name: 'api.localhost', port: 4000 }; `[::1]:4000` → { name: '::1', port: 4000 }. */
export function parseHost(header: string | undefined): { name: string; port?: number } | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return undefined;
  const name = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!.replace(/\.$/, '');
  return { name, ...(m[2] ? { port: Number(m[2]) } : {}) };
}

/**
 * Whether the router answers this Host at all. `appHosts` are the full host names of the app's host rules (what a
 * developer may map to 127.0.0.1 in /etc/hosts). A Host without a port is accepted (clients omit `:80`-style
 * defaults); one with another port is not ours.
 */
export function checkHost(
  header: string | undefined,
  port: number,
  options: { readonly console: boolean; readonly appHosts: ReadonlySet<string> },
): Refusal | undefined {
  const host = parseHost(header);
  const allowed = options.console
    ? 'localhost, 127.0.0.1 or [::1]'
    : `localhost, 127.0.0.1, [::1], *.localhost${options.appHosts.size ? ` or ${[...options.appHosts].join(', ')}` : ''}`;
  const refuse = (why: string): Refusal => ({
    status: 421,
    message: `berth dev refuses Host '${header ?? ''}': ${why}. It answers ${allowed} on port ${port}.`,
  });
  if (!host) return refuse('not a host name');
  if (host.port !== undefined && host.port !== port) return refuse(`port ${host.port} is not this router's`);
  if (LOOPBACK.has(host.name)) return undefined;
  if (options.console) return refuse('the console answers loopback names only (DNS rebinding)');
  if (host.name.endsWith('.localhost') || options.appHosts.has(host.name)) return undefined;
  return refuse('not a local name of this app (DNS rebinding)');
}

/** For a console call that changes state: a local Origin (or none, as curl sends) and the session token. */
export function checkStateChange(req: IncomingMessage, port: number, token: string): Refusal | undefined {
  const method = req.method ?? 'GET';
  if (SAFE_METHODS.has(method)) return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && !localOrigin(origin, port)) {
    return {
      status: 403,
      message: `berth dev refuses ${method} from Origin '${origin}': state-changing console calls come only from http://localhost:${port}.`,
    };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, message: `berth dev refuses a cross-site ${method} (Sec-Fetch-Site: cross-site).` };
  }
  const given = req.headers[TOKEN_HEADER];
  if (typeof given !== 'string' || !sameToken(given, token)) {
    return {
      status: 403,
      message: `berth dev refuses ${method} without the session token: send the ${TOKEN_HEADER} header the console page carries (it is also in dev.json in the state folder).`,
    };
  }
  return undefined;
}

function localOrigin(origin: string, port: number): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return u.protocol === 'http:' && LOOPBACK.has(host) && Number(u.port || 80) === port;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
