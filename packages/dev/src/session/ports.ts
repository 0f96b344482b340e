import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer, Socket, type Server as NetServer } from 'node:net';

/**
 * The two loopback addresses. A client that says `localhost` may reach either (Node, curl and browsers try ::1
 * first where /etc/hosts or nss-myhostname list it), so a port berth dev hands out under that name must be held on
 * both, or another local account can listen on the other one and answer in berth dev's place.
 */
export const LOOPBACK_V4 = '127.0.0.1';
export const LOOPBACK_V6 = '::1';

let v6: Promise<boolean> | undefined;

/** Whether this machine has an IPv6 loopback to listen on (a container or kernel without IPv6 has none). */
export function hasLoopbackV6(): Promise<boolean> {
  return (v6 ??= new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code !== 'EADDRNOTAVAIL' && err.code !== 'EAFNOSUPPORT'),
    );
    server.listen(0, LOOPBACK_V6, () => server.close(() => resolve(true)));
  }));
}

/** Listens `server` on host:port; rejects with the listen error (EADDRINUSE: another program holds it). */
export function listenOn<S extends NetServer>(server: S, port: number, host: string): Promise<S> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}

/**
 * A port nobody listens on at 127.0.0.1 right now, preferring `preferred` (so warm starts keep their ports). For
 * ports whose every client names 127.0.0.1 (services behind the router, PostgreSQL, the Secrets Manager peer); a
 * port a client may reach as `localhost` is claimed on both families (holdPort, the router's listenRouter).
 */
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

/** Whether `port` is free on `host` right now (a probe: the answer may be stale a moment later). */
export function canListen(port: number, host = LOOPBACK_V4): Promise<boolean> {
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

/**
 * Holds `preferred` when it is free on both loopback families (so warm starts keep their ports), else a port the
 * system picks that is free on both. The ::1 side stays berth dev's for the peer's life: the SNS/SQS peer's queue
 * URL names `sqs.<region>.localhost`, which a client may resolve to ::1, so that side passes its connections to the
 * peer's server (which listens on 127.0.0.1) instead of leaving ::1 to whoever binds it first.
 */
export async function holdPort(preferred?: number): Promise<PortHold> {
  const waiting: Socket[] = [];
  let target: HttpServer | undefined;
  const accept = (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (!target) waiting.push(socket);
    else if (target.listening) pass(target, socket);
    else socket.destroy();
  };
  const both = await hasLoopbackV6();
  const claim = async (p: number): Promise<[NetServer, NetServer | undefined]> => {
    const v4 = await listenOn(createServer({ pauseOnConnect: true }, accept), p, LOOPBACK_V4);
    if (!both) return [v4, undefined];
    const port = (v4.address() as { port: number }).port;
    try {
      return [v4, await listenOn(createServer({ pauseOnConnect: true }, accept), port, LOOPBACK_V6)];
    } catch (err) {
      v4.close();
      throw err;
    }
  };
  let held: [NetServer, NetServer | undefined] | undefined;
  let lastError: unknown;
  // The preferred port, then ports the system picks on 127.0.0.1 until one is free on ::1 as well.
  for (const p of [...(preferred !== undefined ? [preferred] : []), 0, 0, 0, 0, 0]) {
    held = await claim(p).catch((err: unknown) => void (lastError = err));
    if (held) break;
  }
  if (!held) throw lastError;
  const [v4, v6Hold] = held;
  v4.unref();
  v6Hold?.unref();
  const { port } = v4.address() as { port: number };
  let v6Server = v6Hold;
  let open = true;
  const closeV4 = () => {
    if (open) v4.close();
    open = false;
  };
  const drop = () => {
    for (const s of waiting.splice(0)) s.destroy();
  };
  return {
    port,
    handTo: async (listen) => {
      closeV4();
      let server: HttpServer;
      try {
        server = await listen();
      } catch (err) {
        drop();
        v6Server?.close();
        throw err;
      }
      target = server;
      for (const socket of waiting.splice(0)) if (!socket.destroyed) pass(server, socket);
      if (both) {
        // The ::1 side follows the peer's server: closed with it, taken again when a restarted peer listens again.
        server.on('close', () => {
          v6Server?.close();
          v6Server = undefined;
        });
        server.on('listening', () => {
          if (v6Server) return;
          const next = createServer({ pauseOnConnect: true }, accept);
          next.unref();
          listenOn(next, port, LOOPBACK_V6).then(
            () => (v6Server = next),
            () => undefined,
          );
        });
      }
      return server;
    },
    release: () => {
      closeV4();
      v6Server?.close();
      v6Server = undefined;
      drop();
    },
  };
}

function pass(server: HttpServer, socket: Socket): void {
  if (socket.destroyed) return;
  server.emit('connection', socket);
  socket.resume();
}

/** A listening socket as /proc/net/tcp{,6} shows it. */
interface Listener {
  readonly address: string;
  readonly uid: number;
  readonly inode: string;
}

/**
 * Who listens on `port` (on any local address), in words: `pid 4242 (python3 -m http.server --bind ::1 4000), user
 * bob`, or, when that process belongs to another account and its file descriptors cannot be read, the uid the kernel
 * lists for the socket. Linux only (/proc); elsewhere, or when nothing is found, undefined.
 */
export function portHolder(port: number, proc = '/proc'): string | undefined {
  const listeners = [
    ...readListeners(`${proc}/net/tcp6`, port, true),
    ...readListeners(`${proc}/net/tcp`, port, false),
  ];
  if (!listeners.length) return undefined;
  const pids = socketPids(new Set(listeners.map((l) => l.inode)), proc);
  const users = passwd();
  const said = listeners.map((l) => {
    const user = users.get(l.uid) ?? `uid ${l.uid}`;
    const pid = pids.get(l.inode);
    const where = l.address.includes(':') ? `[${l.address}]:${port}` : `${l.address}:${port}`;
    if (pid === undefined) {
      const owner = user === `uid ${l.uid}` ? user : `${user} (uid ${l.uid})`;
      return `${where}: a process of ${owner}, which this account cannot look into (no pid)`;
    }
    return `${where}: pid ${pid} (${cmdline(pid, proc) ?? '?'}), ${user}`;
  });
  return [...new Set(said)].join('; ');
}

function readListeners(file: string, port: number, six: boolean): Listener[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const found: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue; // 0A: TCP_LISTEN
    const [addr, hexPort] = f[1]!.split(':');
    if (parseInt(hexPort!, 16) !== port) continue;
    found.push({ address: six ? v6Address(addr!) : v4Address(addr!), uid: Number(f[7]), inode: f[9]! });
  }
  return found;
}

/** `0100007F` → 127.0.0.1 (the kernel prints the address as a host-order word; x86 and arm64 are little-endian). */
function v4Address(hex: string): string {
  const bytes = Buffer.from(hex, 'hex').reverse();
  return [...bytes].join('.');
}

/** `00000000000000000000000001000000` → ::1 (four host-order words). */
function v6Address(hex: string): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 4; i++)
    Buffer.from(hex.slice(i * 8, i * 8 + 8), 'hex')
      .reverse()
      .copy(bytes, i * 4);
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  try {
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  } catch {
    return groups.join(':');
  }
}

/** The pid owning each socket inode, among the processes whose /proc/<pid>/fd this account can read. */
function socketPids(inodes: ReadonlySet<string>, proc: string): Map<string, number> {
  const found = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return found;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${proc}/${pid}/fd`);
    } catch {
      continue; // another account's process
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${proc}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!) && !found.has(m[1]!)) found.set(m[1]!, Number(pid));
    }
    if (found.size === inodes.size) break;
  }
  return found;
}

function cmdline(pid: number, proc: string): string | undefined {
  try {
    const text = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 160 ? `${text.slice(0, 157)}...` : text || undefined;
  } catch {
    return undefined;
  }
}

function passwd(): Map<number, string> {
  const users = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && /^\d+$/.test(uid)) users.set(Number(uid), `user ${name}`);
    }
  } catch {
    // no names: uids it is
  }
  return users;
}
