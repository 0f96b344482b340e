import type { RequestListener, Server } from 'node:http';
import { CliError, EXIT } from '@berthjs/config/load';
import { canListen } from '../session/ports';
import { routerServer, type RouterLimits } from './router';

export interface Listening {
  readonly port: number;
  readonly servers: readonly Server[];
}

/**
 * Claims the router port on 127.0.0.1 (and ::1 when it exists, since browsers may resolve localhost to it). A port
 * the user gave is taken or refused; the default one moves up to 20 ports to find a free one.
 */
export async function listenRouter(
  wanted: number,
  portGiven: boolean,
  handler: RequestListener,
  limits: RouterLimits,
): Promise<Listening> {
  let port = wanted;
  if (!portGiven) {
    while (!(await canListen(port)) && port < wanted + 20) port++;
  }
  const servers: Server[] = [];
  const v4 = routerServer(handler, limits);
  await new Promise<void>((resolve, reject) => {
    v4.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new CliError(
            portGiven
              ? `port ${port} is taken: another program listens on it. Pick another with --port <n>, or stop that program (lsof -i :${port}).`
              : `ports ${wanted}–${port} are all taken; pick a free one with --port <n>.`,
            EXIT.invalid,
          ),
        );
      } else reject(err);
    });
    v4.listen(port, '127.0.0.1', () => resolve());
  });
  servers.push(v4);
  const v6 = routerServer(handler, limits);
  await new Promise<void>((resolve) => {
    v6.once('error', () => resolve());
    v6.listen(port, '::1', () => {
      servers.push(v6);
      resolve();
    });
  });
  return { port, servers };
}

/** Said loudly when the default port was taken: bookmarks, OAuth redirect URLs and the issuer name the usual port. */
export function movedPortWarning(wanted: number, got: number): string {
  return `port ${wanted} is taken by another program (lsof -i :${wanted}); the router uses ${got} instead, and the issuer and URLs below name ${got}. Pass --port to choose.`;
}

export function closeRouter(servers: readonly Server[]): void {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
}
