import type { ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { Agent, get } from 'node:http';
import { hasExited, spawnGroup, stopGroup } from './group';
import { inert, lineSplitter, Ring } from '../terminal/logs';
import { seconds, type Terminal } from '../terminal/terminal';

export const SERVICE_STATUSES = ['starting', 'healthy', 'unhealthy', 'down', 'restarting'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export interface ServiceSpec {
  readonly name: string;
  readonly command: readonly string[];
  readonly cwd: string;
  /** The full environment of the process (contract + OS basics). */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly healthPath: string;
  readonly stopTimeout: number;
  /** Absolute folders whose changes reload the service. */
  readonly watch: readonly string[];
  /** Show the access lines of berth dev's own health checks (hidden by default). @default false */
  readonly healthLogs?: boolean;
}

/** How the router reaches the current process: its own connection pool, and a release when the exchange is over. */
export interface ServiceLease {
  readonly agent: Agent;
  /** Called once the request and its answer are done (or failed); more calls do nothing. */
  readonly release: () => void;
}

/** The router's way to one process: a pool of its own (never reused for the next one) and the exchanges in flight. */
class Instance {
  readonly agent = new Agent({
    keepAlive: true,
    maxSockets: Infinity,
    maxFreeSockets: 64,
    keepAliveMsecs: 10_000,
  });
  private inFlight = 0;
  private idle: (() => void)[] = [];

  lease(): ServiceLease {
    this.inFlight += 1;
    let released = false;
    return {
      agent: this.agent,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const r of this.idle.splice(0)) r();
      },
    };
  }

  /** Ends a drain in progress now. */
  cutShort(): void {
    for (const r of this.idle.splice(0)) r();
  }

  /** Resolves once no exchange is in flight (or after `timeoutMs`), then closes the pool's sockets. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.idle = this.idle.filter((r) => r !== done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        this.idle.push(done);
      });
    }
    this.agent.destroy();
  }
}

/** The longest a reload waits for the requests the old process is answering before it stops it. */
const RELOAD_DRAIN_MS = 10_000;

/** What the console and /_berth/api/services show. */
export interface ServiceView {
  readonly name: string;
  readonly status: ServiceStatus;
  readonly pid: number | null;
  readonly restarts: number;
  readonly port: number;
  readonly url: string;
  readonly logs: string[];
}

const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 10_000;
/** A process that stayed up this long was not crash-looping: the next crash restarts fast again. */
const STABLE_MS = 10_000;
/** How long a new process may fail its health check before it counts as unhealthy. */
const START_GRACE_MS = 60_000;
/** Paths whose changes never reload: dependencies, state, build output, and Python's own bytecode writes. */
const IGNORED =
  /(^|[/\\])(node_modules|\.git|\.berth|\.venv|dist|coverage|__pycache__|\.pytest_cache)([/\\]|$)|\.py[co]$/;

/** How long a health check's access line may take to arrive after the check was sent. */
const PROBE_LINE_MS = 5_000;

/**
 * Whether `line` is a web server's access line for a successful `GET <path>`: the request line in quotes, then a
 * 2xx/3xx status, as uvicorn (`"GET /health HTTP/1.1" 200 OK`), gunicorn and werkzeug/Flask
 * (`"GET /health HTTP/1.1" 200 -`), and the common and combined log formats print it.
 */
export function isHealthAccessLine(line: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`"GET ${escaped}(\\?[^" ]*)? HTTP/\\d(\\.\\d)?" [23]\\d\\d\\b`).test(line);
}

/** Whether a changed path (relative to a watched folder) leaves the service running as it is. */
export function isIgnoredChange(name: string): boolean {
  return IGNORED.test(name);
}

/**
 * One service as a supervised child process: restarted with exponential backoff when it crashes, reloaded when its
 * sources change, health-checked on its own port the way the ALB's target group does.
 */
export class ServiceProcess {
  status: ServiceStatus = 'down';
  restarts = 0;
  private child: ChildProcess | undefined;
  private readonly logs = new Ring(300);
  private stopping = false;
  private crashes = 0;
  private spawnedAt = 0;
  private everHealthy = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  private healthyWaiters: ((healthy: boolean) => void)[] = [];
  /** The process the router sends requests to. */
  private instance = new Instance();
  /** The previous process's, while a reload waits for its requests. */
  private draining: Instance | undefined;
  private reloading: Promise<void> | undefined;
  /** When each recent health check was sent: each one may account for one access line, which is then hidden. */
  private probesSent: number[] = [];

  constructor(
    /** Replaced by a reload with a new spec (the config changed). */
    public spec: ServiceSpec,
    private readonly terminal: Terminal,
    readonly url: string,
  ) {}

  start(): void {
    this.stopping = false;
    this.spawn();
    this.scheduleHealth(0);
    this.watchSources();
  }

  /** Resolves when the service first answers its health check (or `timeoutMs` passes). */
  waitHealthy(timeoutMs: number): Promise<boolean> {
    if (this.status === 'healthy') return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = (healthy: boolean) => {
        clearTimeout(timer);
        resolve(healthy);
      };
      // A request that gives up waiting takes its waiter with it (a service that never comes up would keep them all).
      const timer = setTimeout(() => {
        this.healthyWaiters = this.healthyWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.healthyWaiters.push(waiter);
    });
  }

  /**
   * For the router, when it sends a request: the current process's connection pool, counted until `release`, so a
   * reload stops that process only after its requests are answered.
   */
  lease(): ServiceLease {
    return this.instance.lease();
  }

  view(): ServiceView {
    return {
      name: this.spec.name,
      status: this.status,
      pid: this.child && !hasExited(this.child) ? (this.child.pid ?? null) : null,
      restarts: this.restarts,
      port: this.spec.port,
      url: this.url,
      logs: this.logs.all(),
    };
  }

  pid(): number | undefined {
    return this.child && !hasExited(this.child) ? this.child.pid : undefined;
  }

  /** SIGTERM to its process group, SIGKILL after the service's stop timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Whoever waits for this service to come up (a start interrupted by Ctrl-C) learns now that it will not.
    for (const w of this.healthyWaiters.splice(0)) w(false);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthTimer);
    clearTimeout(this.reloadTimer);
    // A stop does not wait for a reload's drain: the process's own SIGTERM handling finishes its requests.
    this.draining?.cutShort();
    if (this.reloading) await this.reloading;
    if (this.child) await stopGroup(this.child, this.spec.stopTimeout);
    this.instance.agent.destroy();
    this.status = 'down';
  }

  /**
   * Stops and starts the process (source or config change), without counting a restart. From the first moment the
   * status is `starting`, so the router holds new requests until the new process is healthy. The requests the old
   * process already has are answered first (up to 10 s): only then is it sent SIGTERM, and its pooled connections
   * are closed, so no request meets a process that is shutting down (Fastify's 503 while closing, a reset).
   */
  reload(reason: string, spec?: ServiceSpec): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (spec) this.spec = spec;
    this.reloading ??= (async () => {
      this.terminal.note(`${this.spec.name}: ${reason}, reloading`);
      this.status = 'starting';
      clearTimeout(this.restartTimer);
      const child = this.child;
      // No health check of the old process while it drains: it must not count as the new one being healthy.
      this.child = undefined;
      const old = this.instance;
      this.instance = new Instance();
      this.draining = old;
      await old.drain(RELOAD_DRAIN_MS);
      this.draining = undefined;
      if (child) await stopGroup(child, this.spec.stopTimeout);
      if (!this.stopping) this.spawn();
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private spawn(): void {
    this.status = 'starting';
    this.spawnedAt = Date.now();
    this.everHealthy = false;
    let child: ChildProcess;
    try {
      child = spawnGroup(this.spec.command, { cwd: this.spec.cwd, env: this.spec.env });
    } catch (err) {
      this.record(`berth: could not start ${this.spec.command.join(' ')}: ${(err as Error).message}`);
      this.onExit(undefined, 1, null);
      return;
    }
    this.child = child;
    // Check soon: after a reload the health timer may be on its slow (2 s) beat, and requests wait on this.
    this.scheduleHealth(100);
    const out = lineSplitter((l) => this.output(l));
    const err = lineSplitter((l) => this.output(l));
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e) => {
      this.record(
        `berth: could not start '${this.spec.command.join(' ')}' in ${this.spec.cwd}: ${e.message}`,
      );
    });
    child.once('exit', (code, signal) => {
      out.flush();
      err.flush();
      this.onExit(child, code, signal);
    });
  }

  private onExit(child: ChildProcess | undefined, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || (child && this.child !== child)) return; // a stop or a reload, not a crash
    this.child = undefined;
    // The dead process's pooled connections are not offered to the next one.
    this.instance.agent.destroy();
    this.instance = new Instance();
    const lived = Date.now() - this.spawnedAt;
    if (lived >= STABLE_MS) this.crashes = 0;
    const delay = Math.min(BACKOFF_FIRST_MS * 2 ** this.crashes, BACKOFF_MAX_MS);
    this.crashes += 1;
    this.restarts += 1;
    this.status = 'restarting';
    this.terminal.fail(
      `${this.spec.name} exited (${signal ?? `code ${code}`}) after ${seconds(lived)}; restarting in ${seconds(delay)}`,
    );
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn();
    }, delay);
  }

  private output(line: string): void {
    if (this.isProbeLine(line)) return;
    const formatted = this.terminal.format(this.spec.name, line);
    this.logs.push(formatted.text);
    this.terminal.child(this.spec.name, formatted.text, formatted.colored);
  }

  /**
   * A successful health-check access line that one of berth dev's own checks (sent within the last 5 s, not yet
   * matched) accounts for. A request of yours to the health path at the same moment is indistinguishable and may be
   * hidden in its place; a failing check's line always shows.
   */
  private isProbeLine(line: string): boolean {
    if (this.spec.healthLogs || !isHealthAccessLine(line, this.spec.healthPath)) return false;
    const since = Date.now() - PROBE_LINE_MS;
    while (this.probesSent.length && this.probesSent[0]! < since) this.probesSent.shift();
    return this.probesSent.shift() !== undefined;
  }

  private record(text: string): void {
    this.logs.push(text);
    this.terminal.child(this.spec.name, text, text);
  }

  private scheduleHealth(ms: number): void {
    clearTimeout(this.healthTimer);
    this.healthTimer = setTimeout(() => void this.checkHealth(), ms);
    this.healthTimer.unref();
  }

  private async checkHealth(): Promise<void> {
    if (this.stopping) return;
    const child = this.child;
    if (child && !hasExited(child)) {
      this.probesSent.push(Date.now());
      if (this.probesSent.length > 200) this.probesSent.shift();
      const ok = await probe(this.spec.port, this.spec.healthPath);
      if (this.stopping || this.child !== child) return this.scheduleHealth(100);
      if (ok) {
        if (this.status !== 'healthy') {
          const first = !this.everHealthy;
          this.everHealthy = true;
          this.status = 'healthy';
          if (first)
            this.terminal.done(
              `${this.spec.name} healthy on :${this.spec.port}`,
              Date.now() - this.spawnedAt,
            );
          for (const w of this.healthyWaiters.splice(0)) w(true);
        }
      } else if (this.status === 'healthy' || Date.now() - this.spawnedAt > START_GRACE_MS) {
        if (this.status !== 'unhealthy') {
          const why = await healthFailure(this.spec.port, this.spec.healthPath, this.spec.env);
          this.terminal.warn(
            `${this.spec.name} fails its health check GET ${this.spec.healthPath} on 127.0.0.1:${this.spec.port}: ${why}`,
          );
        }
        this.status = 'unhealthy';
      }
    }
    // Poll fast until healthy (startup latency is what a developer waits for: a refused connect costs next to
    // nothing), then every two seconds.
    this.scheduleHealth(this.status === 'healthy' ? 2000 : 50);
  }

  private watchSources(): void {
    for (const dir of this.spec.watch) {
      try {
        const watcher = watch(dir, { recursive: true }, (_event, file) => {
          const name = file ? String(file) : '';
          if (isIgnoredChange(name)) return;
          clearTimeout(this.reloadTimer);
          this.reloadTimer = setTimeout(() => void this.reload(`${inert(name || dir)} changed`), 150);
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch (err) {
        this.terminal.warn(
          `${this.spec.name}: cannot watch ${dir} (${(err as Error).message}); no reload on change`,
        );
      }
    }
  }
}

/** Why a health check fails, with the likely cause, for the warning. */
export function healthFailure(
  port: number,
  path: string,
  env: Readonly<Record<string, string>>,
): Promise<string> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(
        `it answers ${res.statusCode}; is ${path} its health route (health: in the config)? A 200–399 answer counts as healthy`,
      );
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        resolve(
          `nothing listens on port ${port}. Does the server listen on PORT (=${env.PORT ?? port}) and HOST (=${env.HOST ?? '127.0.0.1'}) from its env, rather than a port of its own?`,
        );
      } else if (err.code === 'ETIMEDOUT') resolve(`no answer within 2 s (is the event loop blocked?)`);
      else resolve(`${err.code ?? err.message}`);
    });
  });
}

/** GET http://127.0.0.1:<port><path>: healthy on 200–399, like an ALB target group's default matcher. */
export function probe(port: number, path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
