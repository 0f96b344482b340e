import type { RequestListener, Server } from 'node:http';
import { CliError, EXIT } from '@berthjs/config/load';
import { hasLoopbackV6, listenOn, LOOPBACK_V4, LOOPBACK_V6, portHolder } from '../session/ports';
import { routerServer, type RouterLimits } from './router';

export interface Listening {
  readonly port: number;
  readonly servers: readonly Server[];
  /** What the terminal should say: the port moved (and who holds the wanted one), or there is no ::1 to hold. */
  readonly warnings: readonly string[];
}

/** How many ports up from the default one berth dev tries before giving up. */
const SPAN = 20;

/**
 * Claims the router port on both loopback families, 127.0.0.1 and ::1: the console URL, the issuer and the app's
 * URLs say `localhost`, which a browser may resolve to either, so a port held on one family only would let another
 * local account listen on the other and receive the browser's requests (the console's sign-in URL with them). A
 * port the user gave is held on both or refused, naming who holds it; the default one moves up (to 20 ports) to
 * the first port free on both. A machine without an IPv6 loopback is held on 127.0.0.1, and the terminal says so.
 */
export async function listenRouter(
  wanted: number,
  portGiven: boolean,
  handler: RequestListener,
  limits: RouterLimits,
): Promise<Listening> {
  const both = await hasLoopbackV6();
  const warnings: string[] = [];
  if (!both) {
    warnings.push(
      `this machine has no IPv6 loopback (::1): the router and the peers listen on 127.0.0.1 only (localhost can only reach them there)`,
    );
  }
  let firstTaken: string | undefined;
  for (let port = wanted; port < wanted + (portGiven ? 1 : SPAN) && port <= 65535; port++) {
    const taken = await claim(port, both, handler, limits);
    if (Array.isArray(taken)) {
      if (port !== wanted) warnings.push(movedPortWarning(wanted, port, firstTaken));
      return { port, servers: taken, warnings };
    }
    // Who holds it is looked up once, for the wanted port (it reads /proc/*/fd).
    firstTaken ??= takenBy(port, taken);
    if (portGiven) {
      throw new CliError(
        `port ${port} is not free on ${taken === LOOPBACK_V6 ? '[::1]' : taken}: ${firstTaken}. berth dev needs it on both 127.0.0.1 and [::1], since a browser's localhost can be either. Pick another with --port <n>, or stop that program.`,
        EXIT.invalid,
      );
    }
  }
  throw new CliError(
    `ports ${wanted}–${wanted + SPAN - 1} are all taken on 127.0.0.1 or [::1] (${wanted}: ${firstTaken}); pick a free one with --port <n>.`,
    EXIT.invalid,
  );
}

/** Listens on 127.0.0.1 then ::1; either both servers, or the address that was taken (and nothing left held). */
async function claim(
  port: number,
  both: boolean,
  handler: RequestListener,
  limits: RouterLimits,
): Promise<Server[] | string> {
  const servers: Server[] = [];
  for (const host of both ? [LOOPBACK_V4, LOOPBACK_V6] : [LOOPBACK_V4]) {
    try {
      servers.push(await listenOn(routerServer(handler, limits), port, host));
    } catch (err) {
      closeRouter(servers);
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return host;
      throw err;
    }
  }
  return servers;
}

function takenBy(port: number, host: string): string {
  const holder = portHolder(port);
  return holder
    ? `another program listens there (${holder})`
    : `another program listens there (lsof -i :${port}, ss -ltnp 'sport = ${port}')${host === LOOPBACK_V6 ? ', maybe on ::1 or ::' : ''}`;
}

/** Said loudly when the default port was taken: bookmarks, OAuth redirect URLs and the issuer name the usual port. */
export function movedPortWarning(wanted: number, got: number, why?: string): string {
  return `port ${wanted} is taken${why ? `: ${why}` : ` by another program (lsof -i :${wanted})`}; the router uses ${got} instead, and the issuer and URLs below name ${got}. Pass --port to choose.`;
}

export function closeRouter(servers: readonly Server[]): void {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
}
