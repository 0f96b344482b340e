import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { routeRequest, type RouteRule } from './routing';
import type { ServiceProcess } from './service';

/** Hop-by-hop headers: they describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export interface RouterTarget {
  readonly rules: readonly RouteRule[];
  readonly defaultService: string;
  readonly services: ReadonlyMap<string, ServiceProcess>;
  /** The router's own port, for X-Forwarded-Port and the 502 page's console link. */
  readonly port: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 10_000 });

/** Proxies one request to the service its Host (and path) selects, as the ALB listener rules would. */
export function proxy(req: IncomingMessage, res: ServerResponse, target: RouterTarget): void {
  const name = routeRequest(target.rules, target.defaultService, req.headers.host, req.url ?? '/');
  const service = target.services.get(name);
  if (!service) return down(res, target, name, 'it is not running (berth dev has no dev.command for it)');
  const { port } = service.spec;

  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  for (const h of HOP) delete headers[h];
  const remote = req.socket.remoteAddress ?? '127.0.0.1';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${remote}` : remote;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(target.port);
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;

  const upstream = request(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers, agent },
    (response) => {
      const out: Record<string, string | string[] | undefined> = { ...response.headers };
      for (const h of HOP) delete out[h];
      res.writeHead(response.statusCode ?? 502, response.statusMessage, out);
      response.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    if (res.headersSent) return void res.destroy(err);
    const state = service.status === 'healthy' ? 'it closed the connection' : `it is ${service.status}`;
    down(res, target, name, `${state} (${(err as NodeJS.ErrnoException).code ?? err.message})`);
  });
  // A client that goes away aborts the upstream request too (no work for nobody).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function down(res: ServerResponse, target: RouterTarget, service: string, why: string): void {
  const body =
    `502 Bad Gateway: berth dev could not reach the '${service}' service: ${why}.\n` +
    `Its recent output is in the console: http://localhost:${target.port}/_berth\n`;
  res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'x-berth-service': service });
  res.end(body);
}
