import type { Server } from 'node:http';
import { seconds, type Terminal } from '../terminal/terminal';

/** A local peer that can die on its own and be started again in place: same port, same state, same credentials. */
export interface Restartable {
  /** Called when the peer goes away without being asked to (a killed process, a closed server). */
  onExit(listener: (reason: string) => void): void;
  /** Starts it again where it was; rejects when it does not come up. */
  restart(): Promise<void>;
}

export const PEER_STATUSES = ['up', 'restarting', 'stopped'] as const;
export type PeerStatus = (typeof PEER_STATUSES)[number];

/** What the console and `/_berth/api/peers` show of one peer. */
export interface PeerView {
  readonly name: string;
  readonly status: PeerStatus;
  /** Where it answers (a URL, or PostgreSQL's host:port). */
  readonly endpoint: string;
  /** Times it came back after dying. */
  readonly restarts: number;
  /** Why it last went away (`signal SIGKILL`, `code 1`, `its server closed`); null while it never did. */
  readonly lastExit: string | null;
  /** When it last changed status (ISO, UTC). */
  readonly since: string;
  /** Whether `berth dev` supervises it (a DATABASE_URL or REDIS_URL server is its owner's to run). */
  readonly supervised: boolean;
}

export interface SuperviseOptions {
  /** @default 1000 */
  readonly firstDelayMs?: number;
  /** @default 10000 */
  readonly maxDelayMs?: number;
  /** A peer that stayed up this long was not crash-looping: the next death restarts fast again. @default 30000 */
  readonly stableMs?: number;
}

/**
 * Watches one peer the way services are watched: when it dies on its own it is started again in place, with
 * exponential backoff (1 s, 2 s, 4 s … 10 s) while it keeps failing, and the terminal says so:
 * `postgres exited (signal SIGKILL); restarting in 1.0s`, then `postgres is back after 2.1s`.
 */
export class PeerSupervisor {
  status: PeerStatus = 'up';
  restarts = 0;
  private lastExit: string | null = null;
  private since = Date.now();
  private upAt = Date.now();
  private downAt = 0;
  private failures = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly stableMs: number;

  constructor(
    readonly name: string,
    private readonly endpoint: () => string,
    private readonly terminal: Terminal,
    private readonly peer: Restartable | undefined,
    options: SuperviseOptions = {},
  ) {
    this.firstDelayMs = options.firstDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.stableMs = options.stableMs ?? 30_000;
    peer?.onExit((reason) => this.exited(reason));
  }

  /** Stops watching: what happens to the peer from now on is a stop, not a death. */
  stop(): void {
    this.stopping = true;
    clearTimeout(this.timer);
    this.status = 'stopped';
    this.since = Date.now();
  }

  view(): PeerView {
    return {
      name: this.name,
      status: this.status,
      endpoint: this.endpoint(),
      restarts: this.restarts,
      lastExit: this.lastExit,
      since: new Date(this.since).toISOString(),
      supervised: this.peer !== undefined,
    };
  }

  private exited(reason: string): void {
    if (this.stopping || this.status === 'restarting') return;
    if (Date.now() - this.upAt >= this.stableMs) this.failures = 0;
    this.status = 'restarting';
    this.since = this.downAt = Date.now();
    this.lastExit = reason;
    this.schedule(`${this.name} exited (${reason})`);
  }

  private schedule(what: string): void {
    const delay = Math.min(this.firstDelayMs * 2 ** this.failures, this.maxDelayMs);
    this.failures += 1;
    this.terminal.fail(`${what}; restarting in ${seconds(delay)}`);
    this.timer = setTimeout(() => void this.attempt(), delay);
  }

  private async attempt(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.peer!.restart();
    } catch (err) {
      if (this.stopping) return;
      const message = (err as Error).message.split('\n').slice(0, 3).join(' ');
      this.schedule(`${this.name} did not come back: ${message}`);
      return;
    }
    if (this.stopping) return;
    this.restarts += 1;
    this.status = 'up';
    this.since = this.upAt = Date.now();
    this.terminal.done(`${this.name} is back after ${seconds(Date.now() - this.downAt)}`);
  }
}

/**
 * An in-process peer's HTTP server (s3rver, SES v2 local, the Secrets Manager peer): it "dies" when its server
 * closes without `berth dev` closing it (a listen error, a library closing it), and comes back by listening again on
 * the same port with the same handlers, so its in-memory state and the files behind it carry on.
 */
export function restartableServer(server: Server, port: number): Restartable {
  const listeners: ((reason: string) => void)[] = [];
  let lastError: Error | undefined;
  server.on('error', (err) => (lastError = err));
  server.on('close', () => {
    const reason = lastError ? `its server failed: ${lastError.message}` : 'its server closed';
    lastError = undefined;
    for (const l of listeners) l(reason);
  });
  return {
    onExit: (listener) => void listeners.push(listener),
    restart: () =>
      new Promise<void>((resolve, reject) => {
        const failed = (err: Error) => reject(err);
        server.once('error', failed);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', failed);
          resolve();
        });
      }),
  };
}
