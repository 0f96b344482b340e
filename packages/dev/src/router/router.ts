import {
  Agent,
  createServer,
  request,
  type ClientRequest,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { handleConsole, type ConsoleState } from '../console/console';
import { checkHost } from '../console/guard';
import { rateLimitedResponse, type Route } from '@berthjs/config';
import type { RateLimiter } from './rate-limit';
import { routeRequest } from './routing';
import type { ServiceLease, ServiceProcess } from '../session/service';

/** Methods a repeat does not change the outcome of (RFC 9110 §9.2.2): the only ones the router may send twice. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Hop-by-hop headers: they describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * The router's limits, as the ALB has them where it has them
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html: request headers
 * 64 KB in all; idle timeout 60 s by default). The ALB has no body limit for instance targets; locally a body cap
 * answers 413 before a runaway upload fills the service's memory.
 */
export interface RouterLimits {
  /** Largest request body forwarded; a larger one gets 413. @default 5 MiB */
  readonly maxBodyBytes: number;
  /** Time a client has to send its complete request headers. @default 10 s */
  readonly headersTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed (the ALB's idle timeout). @default 60 s */
  readonly idleTimeoutMs: number;
  /** Longest a request waits for a starting or restarting service before 503. @default 30 s */
  readonly holdMs: number;
}

export const DEFAULT_LIMITS: RouterLimits = Object.freeze({
  maxBodyBytes: 5 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  holdMs: 30_000,
});

export interface RouterTarget {
  readonly rules: readonly Route[];
  readonly defaultService: string;
  readonly services: ReadonlyMap<string, ServiceProcess>;
  /** The router's own port, for X-Forwarded-Port and the 502 page's console link. */
  readonly port: number;
  readonly limits: RouterLimits;
  /** edge.waf's rate limit per client IP, when the environment has it in block mode. */
  readonly rateLimit?: RateLimiter;
}

/**
 * No shared socket cap: a cap is a queue every slow client joins, and 128 slow uploads would starve `/health`.
 * Each client request holds its own upstream socket for exactly as long as the client holds its own.
 */
const agent = new Agent({
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: 64,
  keepAliveMsecs: 10_000,
});

/** An HTTP server with the router's header, idle and request timeouts applied. */
export function routerServer(handler: RequestListener, limits: RouterLimits): Server {
  const server = createServer(
    {
      keepAliveTimeout: limits.idleTimeoutMs + 5_000,
      headersTimeout: limits.headersTimeoutMs,
      // The whole request (headers and body) must arrive within this; slow bodies are cut off here at the latest.
      requestTimeout: limits.idleTimeoutMs * 2,
      maxHeaderSize: 64 * 1024,
      // Check header/request timeouts every second (Node's default, 30 s, lets slow clients linger far longer).
      connectionsCheckingInterval: 1_000,
    },
    handler,
  );
  server.timeout = limits.idleTimeoutMs;
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > limits.maxBodyBytes) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end(
        `413 Content Too Large: berth dev's router forwards request bodies up to ${limits.maxBodyBytes} bytes (--max-body).\n`,
      );
    }
    res.writeContinue();
    handler(req, res);
  });
  return server;
}

/**
 * Every request the router port receives: a Host check first (the console answers loopback names only), then
 * `/_berth/*` to the console and anything else, once edge.waf's rate limit lets it through, to the service the
 * listener rules select. The console is Berth's own and exists only locally: it is never limited.
 */
export function routerHandler(session: {
  readonly target: () => RouterTarget;
  readonly console: () => ConsoleState | undefined;
  readonly appHosts: ReadonlySet<string>;
}): RequestListener {
  return (req, res) => {
    const target = session.target();
    const isConsole = (req.url ?? '').startsWith('/_berth');
    const refused = checkHost(req.headers.host, target.port, {
      console: isConsole,
      appHosts: session.appHosts,
    });
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end(`${refused.message}\n`);
    }
    if (isConsole) {
      const state = session.console();
      if (!state) return void res.writeHead(503, { 'retry-after': '1' }).end('berth dev is starting\n');
      return void handleConsole(req, res, state);
    }
    // The web ACL keys on the address the request came from, not X-Forwarded-For (aggregateKeyType IP).
    if (target.rateLimit?.limited(req.socket.remoteAddress ?? '')) {
      const limited = rateLimitedResponse(target.rateLimit.waf);
      res.writeHead(limited.status, { 'content-type': limited.contentType, ...limited.headers });
      return void res.end(limited.body);
    }
    proxy(req, res, target);
  };
}

/** The full host names among the app's host rules (labels like `api` are served as `api.localhost`). */
export function appHostNames(rules: readonly Route[]): Set<string> {
  return new Set(
    rules.flatMap((r) =>
      r.hostRules.filter((h) => h.includes('.') && !/[*?]/.test(h)).map((h) => h.toLowerCase()),
    ),
  );
}

/** Proxies one request to the service its Host (and path) selects, as the ALB listener rules would. */
export function proxy(req: IncomingMessage, res: ServerResponse, target: RouterTarget): void {
  const name = routeRequest(target.rules, target.defaultService, req.headers.host, req.url ?? '/');
  const service = target.services.get(name);
  if (!service) return down(res, target, name, 'it is not running (berth dev has no dev.command for it)');

  const { maxBodyBytes } = target.limits;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) return tooLarge(req, res, maxBodyBytes);

  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  for (const h of HOP) delete headers[h];
  const remote = req.socket.remoteAddress ?? '127.0.0.1';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${remote}` : remote;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(target.port);
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;

  let upstream: ClientRequest | undefined;
  let finished = false;
  // A client that goes away takes its upstream socket with it, at once (not at the service's keep-alive timeout).
  res.once('close', () => {
    finished = true;
    if (!res.writableFinished) upstream?.destroy();
  });
  req.once('error', () => upstream?.destroy());

  const deadline = Date.now() + target.limits.holdMs;
  const attempt = async (): Promise<void> => {
    // A reload or restart: hold the request until the service is ready again, rather than fail it.
    if (service.status === 'starting' || service.status === 'restarting') {
      await service.waitHealthy(Math.max(0, deadline - Date.now()));
      if (finished) return;
    }
    let received = 0;
    let piped = false;
    /** The service answered before it had the whole body: the rest is read from the client and dropped. */
    let early = false;
    let answer: IncomingMessage | undefined;
    // Counted against the process it goes to, so a reload stops that process only once this exchange is over.
    const lease = leaseOf(service);
    const out = request(
      {
        host: '127.0.0.1',
        port: service.spec.port,
        method: req.method,
        path: req.url,
        headers,
        agent: lease.agent,
      },
      (response) => {
        answer = response;
        const copy: Record<string, string | string[] | undefined> = { ...response.headers };
        for (const h of HOP) delete copy[h];
        response.once('close', () => {
          if (!response.complete) res.destroy();
        });
        if (!piped || req.complete) {
          res.writeHead(response.statusCode ?? 502, response.statusMessage, copy);
          return void response.pipe(res);
        }
        // A 413 (or 401, 400…) before the upload is read: stop sending it, relay the service's own answer at once,
        // and read the rest of the client's body before closing, so its kernel does not see a reset (and report
        // EPIPE) before it reads the answer.
        early = true;
        req.unpipe(out);
        req.resume();
        res.writeHead(response.statusCode ?? 502, response.statusMessage, { ...copy, connection: 'close' });
        response.pipe(res, { end: false });
        let pending = 2;
        const settle = () => {
          if (--pending === 0) res.end();
        };
        response.once('end', () => {
          out.destroy();
          settle();
        });
        if (req.complete) settle();
        else req.once('end', settle);
      },
    );
    upstream = out;
    out.once('close', lease.release);
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (finished) return;
      // The service answered and closed while the body was still coming (EPIPE, ECONNRESET): its answer stands.
      if (answer) return void (answer.complete || early ? undefined : res.destroy(err));
      if (res.headersSent) return void res.destroy(err);
      // Safe to send again: a refused connect reached no process; an idempotent request without a body, reset on
      // a kept-alive socket the service closed meanwhile. A POST may have been acted on before the reset: never
      // sent twice.
      const retryable =
        (err.code === 'ECONNREFUSED' && !piped) ||
        (!hasBody &&
          IDEMPOTENT.has(req.method ?? '') &&
          out.reusedSocket &&
          (err.code === 'ECONNRESET' || err.code === 'EPIPE'));
      if (retryable && Date.now() < deadline) {
        return void setTimeout(() => void attempt(), 50);
      }
      const state = service.status === 'healthy' ? 'it closed the connection' : `it is ${service.status}`;
      down(res, target, name, `${state} (${err.code ?? err.message})`);
    });
    if (!hasBody) return void out.end();
    // The body flows only once the socket is connected, so a refused connect has consumed none of it.
    out.once('socket', (socket) => {
      readBeforeWriteError(socket, () => answer !== undefined);
      const pipe = () => {
        piped = true;
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (early) {
            if (received > DRAIN_CAP_BYTES) req.socket.destroy();
            return;
          }
          if (received > maxBodyBytes && !finished) {
            finished = true;
            req.unpipe(out);
            out.destroy();
            if (res.headersSent) res.destroy();
            else tooLarge(req, res, maxBodyBytes);
          }
        });
        req.pipe(out);
      };
      if (socket.connecting) socket.once('connect', pipe);
      else pipe();
    });
  };
  attempt().catch((err: Error) => {
    if (!res.headersSent) down(res, target, name, err.message);
  });
}

/** Per upstream socket: whether the request it now carries has its answer. */
const answered = new WeakMap<Socket, () => boolean>();

/**
 * A service that answers before it has read the whole body and closes (a 413 on an upload) makes the router's next
 * body write fail (EPIPE, ECONNRESET). Node then marks the socket errored and drops what it reads from then on,
 * the answer included, already in the kernel's buffer: the client would get a 502. So a failed body write is
 * reported to the socket only after a moment, and only if no answer has come by then (the service crashed
 * mid-upload); an answer that came is relayed, and the write is abandoned with the socket.
 */
function readBeforeWriteError(socket: Socket, hasAnswer: () => boolean): void {
  const first = !answered.has(socket);
  answered.set(socket, hasAnswer);
  if (!first) return;
  const hasAnswered = () => answered.get(socket)?.() === true;
  const held =
    (done: (err?: Error | null) => void) =>
    (err?: Error | null): void => {
      if (!err) return done();
      // The connection is gone either way; its read side still delivers what the service sent, then closes it.
      if (hasAnswered()) return;
      const timer = setTimeout(() => {
        if (!hasAnswered()) done(err);
      }, WRITE_ERROR_HOLD_MS);
      socket.once('close', () => clearTimeout(timer));
    };
  const write = socket._write.bind(socket);
  socket._write = (chunk, encoding, done) => write(chunk, encoding, held(done));
  const writev = socket._writev?.bind(socket);
  if (writev) socket._writev = (chunks, done) => writev(chunks, held(done));
}
/** Ample for bytes already in the kernel's buffer to be read (the next turn of the event loop reads them). */
const WRITE_ERROR_HOLD_MS = 250;

/** The agent a request to `service` goes through and its release; a stand-in without processes shares one. */
function leaseOf(service: ServiceProcess): ServiceLease {
  return typeof service.lease === 'function' ? service.lease() : { agent, release: () => undefined };
}

/** Beyond this many discarded bytes a client that ignores the 413 is cut off. */
const DRAIN_CAP_BYTES = 64 * 1024 * 1024;

/**
 * Answers 413 once the body is read and discarded: closing on a client that still sends makes its kernel see a reset
 * before it reads the answer (a 502-looking EPIPE instead of a clear 413). Clients that send `Expect: 100-continue`
 * are refused before they send a byte (see routerServer).
 */
function tooLarge(req: IncomingMessage, res: ServerResponse, max: number): void {
  let discarded = 0;
  const answer = () => {
    if (res.headersSent) return;
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(
      `413 Content Too Large: berth dev's router forwards request bodies up to ${max} bytes (--max-body).\n`,
    );
  };
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DRAIN_CAP_BYTES) {
      answer();
      req.socket.destroy();
    }
  });
  req.once('end', answer);
  req.resume();
}

function down(res: ServerResponse, target: RouterTarget, service: string, why: string): void {
  const body =
    `502 Bad Gateway: berth dev could not reach the '${service}' service: ${why}.\n` +
    `Its recent output is in the console: http://localhost:${target.port}/_berth\n`;
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'x-berth-service': service });
  res.end(body);
}
