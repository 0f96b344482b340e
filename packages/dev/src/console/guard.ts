import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Which requests `berth dev` answers at all. It is a server on a shared machine and within a browser's reach: a page
 * on any site can make the browser send requests to 127.0.0.1, and a DNS-rebinding page can even read the answers
 * (its own host name resolves to 127.0.0.1, so the browser sees a same-origin response). So:
 * - the console answers only the loopback names on the router's port (a rebinding page's Host is its own name);
 * - the router answers loopback names, `*.localhost` (browsers resolve those to loopback themselves, RFC 6761 §6.3)
 *   and the app's own full host names;
 * - every console call (but the sign-in and the issuer's public keys) needs a credential no other local account can
 *   read (ConsoleAuth: the token in the 0600 dev.json, or the cookie a one-time sign-in URL from the terminal set);
 * - a state-changing call also needs a local Origin (or none): a cross-site page can send a text/plain POST, but
 *   without the SameSite=Strict cookie, the token or the console page's header.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const TOKEN_HEADER = 'x-berth-token';

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** A fresh random token (192 bits). */
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

/** Sent by the console page with each state-changing call: a header a cross-site form or image cannot send. */
export const CONSOLE_HEADER = 'x-berth-console';

/** Who a console call comes from: a script with the state folder's token, or a browser signed in this run. */
export type Caller = 'script' | 'browser';

/**
 * The console's credentials, one set per run, none of them readable by another local account:
 * - `token`, for scripts (`berth dev rotate`): written to dev.json (0600, in the 0700 state folder), sent as the
 *   `x-berth-token` header;
 * - a one-time sign-in token, printed in the terminal as `http://localhost:<port>/_berth/login?token=…`: it works
 *   once, then the next one is printed;
 * - the browser sessions that sign-ins opened: a random value in an HttpOnly, SameSite=Strict cookie scoped to
 *   /_berth and named after the port. They live in this process only, so a cookie from another run is refused.
 */
export class ConsoleAuth {
  readonly token = sessionToken();
  private login = sessionToken();
  private readonly sessions = new Set<string>();
  /** Called after a sign-in, with the next one-time URL's path (the terminal prints it). */
  onLogin: ((nextPath: string) => void) | undefined;

  /** `/_berth/login?token=…`: the path of the one-time sign-in URL that works now. */
  loginPath(): string {
    return `/_berth/login?token=${this.login}`;
  }

  loginUrl(port: number): string {
    return `http://localhost:${port}${this.loginPath()}`;
  }

  /** Per port: two runs on two ports keep their own cookie (a cookie is not scoped to a port, RFC 6265 §8.5). */
  cookieName(port: number): string {
    return `berth_console_${port}`;
  }

  /** Spends the one-time token: a new browser session (the cookie's value), or undefined when `given` is not it. */
  redeem(given: string | null | undefined): string | undefined {
    if (!given || !sameToken(given, this.login)) return undefined;
    this.login = sessionToken();
    const session = randomBytes(32).toString('base64url');
    this.sessions.add(session);
    // A bounded set: the oldest sign-in goes first.
    if (this.sessions.size > 64) this.sessions.delete(this.sessions.values().next().value!);
    this.onLogin?.(this.loginPath());
    return session;
  }

  /** The Set-Cookie value for a session: HttpOnly (no script reads it), SameSite=Strict, path /_berth. */
  cookie(port: number, session: string): string {
    return `${this.cookieName(port)}=${session}; Path=/_berth; HttpOnly; SameSite=Strict`;
  }

  /** Who sent `req`: the script token (header), this run's session cookie, or neither (undefined). */
  identify(req: IncomingMessage, port: number): Caller | undefined {
    const given = req.headers[TOKEN_HEADER];
    if (typeof given === 'string' && sameToken(given, this.token)) return 'script';
    const cookie = readCookie(req.headers.cookie, this.cookieName(port));
    return cookie !== undefined && this.sessions.has(cookie) ? 'browser' : undefined;
  }
}

/**
 * Every console call but the sign-in itself and the issuer's public documents: a state change needs a local Origin
 * (or none, as curl sends); every call needs a caller (401 without one); and a browser's state change also needs
 * the console page's own header.
 */
export function checkConsoleCall(
  req: IncomingMessage,
  port: number,
  auth: ConsoleAuth,
): Refusal | { readonly caller: Caller } {
  const method = req.method ?? 'GET';
  const changes = !SAFE_METHODS.has(method);
  const origin = req.headers.origin;
  if (changes && origin !== undefined && !localOrigin(origin, port)) {
    return {
      status: 403,
      message: `berth dev refuses ${method} from Origin '${origin}': state-changing console calls come only from http://localhost:${port}.`,
    };
  }
  if (changes && req.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, message: `berth dev refuses a cross-site ${method} (Sec-Fetch-Site: cross-site).` };
  }
  const caller = auth.identify(req, port);
  if (!caller) {
    const wrong = req.headers[TOKEN_HEADER] !== undefined;
    return {
      status: 401,
      message: wrong
        ? `berth dev refuses the ${TOKEN_HEADER} header: it is not this run's token (dev.json in the state folder has it).`
        : `the console is for the developer who runs berth dev: open the one-time console URL it printed in its terminal (http://localhost:${port}/_berth/login?token=…), or send the ${TOKEN_HEADER} header with the token in dev.json in the state folder.`,
    };
  }
  if (changes && caller === 'browser' && req.headers[CONSOLE_HEADER] === undefined) {
    return {
      status: 403,
      message: `berth dev refuses ${method} without the ${CONSOLE_HEADER} header the console page sends.`,
    };
  }
  return { caller };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
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
