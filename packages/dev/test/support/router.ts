import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIMITS, proxy, routerServer, type RouterTarget } from '../../src/router/router';
import type { ServiceProcess } from '../../src/session/service';

/** Listens on a free loopback port; resolves to the port. */
export const listen = (s: Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

/** Closes a server and every connection it holds. */
export async function closeServer(s: Server): Promise<void> {
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}

/** A stand-in for a healthy ServiceProcess whose app is a plain server on `port` (no process to supervise). */
export function healthyService(port: number): ServiceProcess {
  return {
    status: 'healthy',
    spec: { port },
    waitHealthy: () => Promise.resolve(true),
  } as unknown as ServiceProcess;
}

/** berth dev's router in front of one service named `api` (the default route), on a free port. */
export async function routerFor(api: ServiceProcess): Promise<{ router: Server; port: number }> {
  const target: RouterTarget = {
    rules: [],
    defaultService: 'api',
    services: new Map([['api', api]]),
    port: 0,
    limits: DEFAULT_LIMITS,
  };
  const router = routerServer((req, res) => proxy(req, res, target), DEFAULT_LIMITS);
  return { router, port: await listen(router) };
}
