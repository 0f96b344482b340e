import type { Server as HttpServer } from 'node:http';
import { createServer, Socket } from 'node:net';

/** A port nobody listens on right now, preferring `preferred` (so warm starts keep their ports). */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred !== undefined && (await canListen(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Whether a Redis answers PING at `url` within `timeoutMs` (a quick probe: no Redis means the in-process cache). */
export function redisAnswers(url: string, timeoutMs = 300): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  if (u.protocol !== 'redis:') return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(u.port || 6379), u.hostname || '127.0.0.1', () => {
      const auth = u.password
        ? `AUTH ${decodeURIComponent(u.username || 'default')} ${decodeURIComponent(u.password)}\r\n`
        : '';
      socket.write(`${auth}PING\r\n`);
    });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      if (text.includes('+PONG')) done(true);
      else if (text.includes('-')) done(false);
    });
  });
}

/**
 * Holds `port` (loopback) while a peer loads: connections made meanwhile are accepted and wait, paused, instead of
 * being refused. `handTo(server)` closes the hold (call it right before the peer's own server listens on the port)
 * and, once that server listens, passes it every connection that waited. A connection attempted in the instant
 * between the two is refused, as it would be by a peer not yet up.
 */
export interface PortHold {
  readonly port: number;
  /**
   * Stops accepting on the hold, calls `listen` (which makes the peer's server listen on the port and resolves to
   * it once it does) and passes that server the connections that waited.
   */
  handTo(listen: () => Promise<HttpServer>): Promise<HttpServer>;
  /** The peer failed to start: the waiting connections are closed. */
  release(): void;
}

/** A hold on `port`, taken now when given a number (a peer started on its own, as the tests do). */
export function asHold(port: number | PortHold): Promise<PortHold> {
  return typeof port === 'number' ? holdPort(port) : Promise.resolve(port);
}

/** Holds `preferred` when it is free (so warm starts keep their ports), else a port the system picks. */
export async function holdPort(preferred?: number): Promise<PortHold> {
  const waiting: Socket[] = [];
  const hold = createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    waiting.push(socket);
  });
  hold.unref();
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      hold.once('error', reject);
      hold.listen(p, '127.0.0.1', () => {
        hold.off('error', reject);
        resolve();
      });
    });
  if (preferred === undefined) await listen(0);
  else await listen(preferred).catch(() => listen(0));
  const { port } = hold.address() as { port: number };
  let open = true;
  const close = () => {
    if (open) hold.close();
    open = false;
  };
  const drop = () => {
    for (const s of waiting.splice(0)) s.destroy();
  };
  return {
    port,
    handTo: async (listen) => {
      close();
      let server: HttpServer;
      try {
        server = await listen();
      } catch (err) {
        drop();
        throw err;
      }
      for (const socket of waiting.splice(0)) {
        if (socket.destroyed) continue;
        server.emit('connection', socket);
        socket.resume();
      }
      return server;
    },
    release: () => {
      close();
      drop();
    },
  };
}
