import type { FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import { routeOrder, type ResolvedApp, type Route } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { loadConfig, resolveStage, type LoadedConfig } from '@berthjs/config/load';
import { MIGRATE_JOB } from './commands';
import type { ConsoleState } from '../console/console';
import { localEnv, processEnv } from './env';
import { closeRouter, listenRouter } from '../router/listen';
import { droppedMail } from '../peers/ses/mail';
import { Peers } from '../peers/peers';
import type { EarlyPostgres } from '../peers/postgres/postgres';
import { freePort } from './ports';
import { ConsoleAuth } from '../console/guard';
import { appHostNames, DEFAULT_LIMITS, routerHandler, type RouterLimits } from '../router/router';
import { planChange, watchFile } from './live';
import { rateLimiterFor, type RateLimiter } from '../router/rate-limit';
import { Scheduler } from '../scheduler/scheduler';
import { healthFailure, type ServiceProcess } from './service';
import { claimState, display, killGroup, processGroups, readPorts, RunRecord, savePorts } from './state';
import { printSummary, serviceUrl } from '../terminal/summary';
import { seconds, Terminal } from '../terminal/terminal';
import { jobSpecs, serviceSpec, startServices } from './workloads';
import { localSecrets } from '../peers/secrets-manager/generated';

export interface DevOptions {
  readonly loaded: LoadedConfig;
  readonly resolved: ResolvedApp;
  /** Router port; when `portGiven` is false, 4000 or the next free one. */
  readonly port: number;
  readonly portGiven: boolean;
  /** Absolute state folder (`.berth` next to where berth runs). */
  readonly stateDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default - DEFAULT_LIMITS (5 MiB bodies, 10 s headers, 60 s idle) */
  readonly limits?: Partial<RouterLimits>;
  /** Show the access lines a service prints for berth dev's own health checks. @default false */
  readonly healthLogs?: boolean;
  /** Service access lines with their full (redacted) header set. @default false */
  readonly verboseAccess?: boolean;
  /** The state folder's PostgreSQL, started before the config was read (startPostgresEarly). */
  readonly early?: EarlyPostgres;
}

export { lastRouterPort, RUN_FILE } from './state';

/**
 * One `berth dev` run, and the order of it: claim the state folder and the router port, start the local peers the
 * config needs, run migrations, start the services and the scheduler; on SIGINT/SIGTERM stop all of it in reverse.
 */
export class DevSession {
  private readonly term = new Terminal();
  private readonly t0 = Date.now();
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly services = new Map<string, ServiceProcess>();
  private readonly record: RunRecord;
  private router: readonly Server[] = [];
  private peers: Peers | undefined;
  private scheduler: Scheduler | undefined;
  private consoleState: ConsoleState | undefined;
  private stopping: Promise<void> | undefined;
  private readonly ports: Record<string, number>;
  private readonly limits: RouterLimits;
  private resolved: ResolvedApp;
  private rules: readonly Route[];
  private rateLimit: RateLimiter | undefined;
  private configWatcher: FSWatcher | undefined;
  /** The console's credentials: the script token (dev.json), the one-time sign-in URL, the browser sessions. */
  readonly auth = new ConsoleAuth();
  port: number;

  constructor(private readonly options: DevOptions) {
    this.env = options.env ?? process.env;
    this.port = options.port;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.resolved = options.resolved;
    this.rules = routeOrder(options.resolved);
    this.rateLimit = rateLimiterFor(options.resolved.edge.waf);
    this.ports = readPorts(options.stateDir);
    this.record = new RunRecord(options.stateDir, this.t0);
    this.term.verboseAccess = options.verboseAccess ?? false;
    this.auth.onLogin = (next) => {
      this.record.refresh();
      this.term.note(
        `console: a browser signed in; the next one-time URL is http://localhost:${this.port}${next}`,
      );
    };
    // Mail the app's mailer dropped (the allow-list) is shown in the outbox, marked, with the reason.
    this.term.onEntry = (source, entry) => {
      const dropped = this.peers?.mail && droppedMail(source, entry, this.resolved.mail?.allowList);
      if (dropped) this.peers!.mail!.recordDropped(dropped);
    };
  }

  /** Starts everything; resolves once the app is up. Throws CliError (after cleaning up) when a step fails. */
  async start(): Promise<void> {
    const { stateDir, loaded } = this.options;
    const { resolved } = this;
    this.term.line(
      `berth dev · ${resolved.app} · stage ${resolved.stage} (profile ${resolved.profile}) · state ${display(stateDir)}`,
    );
    try {
      claimState(stateDir);
      const handler = routerHandler({
        target: () => ({
          rules: this.rules,
          defaultService: this.resolved.defaultService,
          services: this.services,
          port: this.port,
          limits: this.limits,
          ...(this.rateLimit ? { rateLimit: this.rateLimit } : {}),
        }),
        console: () => this.consoleState,
        appHosts: appHostNames(this.rules),
      });
      const listening = await listenRouter(this.options.port, this.options.portGiven, handler, this.limits);
      this.router = listening.servers;
      this.port = listening.port;
      this.ports.router = listening.port;
      this.term.done(`router on :${this.port}`, Date.now() - this.t0);
      // Said loudly: a moved port (bookmarks, OAuth redirect URLs and the issuer name the usual one), or no ::1.
      for (const warning of listening.warnings) this.term.warn(warning);

      // Peers start side by side; all settle before a failure is reported, so stop() finds each one that started.
      // The in-process ones (S3, SES, SNS/SQS) go on loading while migrations run and the services start: their
      // ports are held, so a request to one waits until it answers.
      this.peers = new Peers({
        resolved,
        stateDir,
        env: this.env,
        term: this.term,
        ports: this.ports,
        routerPort: this.port,
        ...(this.options.early ? { early: this.options.early } : {}),
      });
      await this.peers.start();
      this.throwIfStopping();
      const envs = await this.serviceEnvs(resolved);

      this.scheduler = new Scheduler(jobSpecs(resolved, loaded.dir, envs, this.term), this.term);
      this.term.prefixWidth([...Object.keys(resolved.services), ...Object.keys(resolved.jobs), MIGRATE_JOB]);
      this.consoleState = this.consoleView();

      await this.migrate();
      this.throwIfStopping();
      startServices(
        resolved,
        loaded.dir,
        envs,
        this.term,
        (name) => serviceUrl(resolved, name, this.port),
        this.services,
        this.options.healthLogs,
      );
      this.record.start(this.port, this.auth, () => this.groups());
      await Promise.all(
        [...this.services.values()].map(async (s) => {
          if (await s.waitHealthy(30_000)) return;
          if (this.stopping) return;
          const why = await healthFailure(s.spec.port, s.spec.healthPath, s.spec.env);
          this.term.warn(
            `${s.spec.name} is not healthy after 30 s: GET ${s.spec.healthPath} on :${s.spec.port}: ${why}`,
          );
        }),
      );
      await this.peers.ready();
      this.consoleState = this.consoleView();
      this.throwIfStopping();
      this.scheduler.start();
      this.configWatcher = watchFile(loaded.path, () => void this.applyConfig());
      printSummary(this.term, {
        resolved,
        loaded,
        stateDir,
        routerPort: this.port,
        consoleUrl: this.auth.loginUrl(this.port),
        services: this.services,
        scheduler: this.scheduler,
        startedAt: this.t0,
        ...(this.peers.database() ? { database: this.peers.database()! } : {}),
      });
    } catch (err) {
      if (this.stopping) {
        await this.stopping;
        return;
      }
      // main() prints the message once, as `berth: …`, and turns it into the exit code.
      const message = err instanceof CliError ? err.message : (err as Error).message;
      await this.stop();
      throw err instanceof CliError ? err : new CliError(message, EXIT.failed, { cause: err });
    }
  }

  /** Stops jobs, services (their stop timeout), the router, then the peers (PostgreSQL last). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.configWatcher?.close();
      this.record.stop();
      await this.scheduler?.stop();
      await Promise.all([...this.services.values()].map((s) => s.stop()));
      closeRouter(this.router);
      await this.peers?.stop();
      this.record.remove();
    })();
    return this.stopping;
  }

  /** Kills every process group at once: the second Ctrl-C. */
  forceKill(): void {
    for (const g of this.groups()) killGroup(g.pgid);
  }

  /**
   * Every service gets its port and env up front: jobs run with their service's env even when it is not running.
   * Ports stay what they were (a service keeps its port across config changes).
   */
  private async serviceEnvs(resolved: ResolvedApp): Promise<Map<string, Record<string, string>>> {
    const local = this.peers!.local(localSecrets(this.options.stateDir, resolved, (m) => this.term.warn(m)));
    const envs = new Map<string, Record<string, string>>();
    const warned = new Set<string>();
    for (const name of Object.keys(resolved.services)) {
      const port = await freePort(this.ports[`service:${name}`]);
      this.ports[`service:${name}`] = port;
      const { env, warnings } = localEnv(resolved, name, local, port);
      for (const w of warnings) if (!warned.has(w) && warned.add(w)) this.term.warn(`${name}: ${w}`);
      envs.set(name, processEnv(env, this.env));
    }
    savePorts(this.options.stateDir, this.ports);
    return envs;
  }

  private consoleView(): ConsoleState {
    return {
      resolved: this.resolved,
      port: this.port,
      stateDir: this.options.stateDir,
      auth: this.auth,
      services: this.services,
      ...(this.scheduler ? { scheduler: this.scheduler } : {}),
      ...this.peers!.forConsole(),
    };
  }

  /**
   * berth.config.ts was saved: re-resolve it and apply what can change live (new buckets, jobs, routes, a service's
   * env or command → that service restarts, requests held meanwhile), and say what needs a new run. An invalid config
   * is reported and the running one kept.
   */
  private async applyConfig(): Promise<void> {
    if (this.stopping) return;
    const { loaded, stateDir } = this.options;
    const t = Date.now();
    let next: ResolvedApp;
    try {
      next = resolveStage(await loadConfig(loaded.path, { fresh: true }), this.resolved.stage);
    } catch (err) {
      this.term.fail(`config: ${(err as Error).message}\n  keeping the running config`);
      return;
    }
    const change = planChange(this.resolved, next);
    const applied: string[] = [];
    try {
      await this.peers!.update(next, change.addedBuckets);
      if (change.addedBuckets.length) applied.push(`bucket ${change.addedBuckets.join(', ')} created`);
      const wafBefore = JSON.stringify(this.resolved.edge.waf);
      this.resolved = next;
      this.rules = routeOrder(next);
      if (change.routes) applied.push('routes');
      if (wafBefore !== JSON.stringify(next.edge.waf)) {
        this.rateLimit = rateLimiterFor(next.edge.waf);
        applied.push('edge.waf rate limit');
      }
      const envs = await this.serviceEnvs(next);
      this.scheduler?.update(jobSpecs(next, loaded.dir, envs, this.term));
      if (change.jobs) applied.push('jobs');
      this.consoleState = this.consoleView();
      const restart = new Set(change.restart);
      // A new bucket reaches only the services that use it, through their env: those restart too.
      for (const name of Object.keys(next.services)) {
        const spec = serviceSpec(next, loaded.dir, envs, name, this.options.healthLogs);
        const proc = this.services.get(name);
        if (!spec || !proc || !restart.has(name)) continue;
        void proc.reload('the config changed', spec);
        applied.push(`${name} restarting`);
      }
    } catch (err) {
      this.term.fail(`config: could not apply the change: ${(err as Error).message}`);
      return;
    }
    if (applied.length) this.term.done(`config reloaded: ${applied.join('; ')}`, Date.now() - t);
    else if (!change.needsRestart.length) this.term.note('config saved: nothing berth dev runs changed');
    if (change.needsRestart.length) {
      this.term.warn(
        `config: restart berth dev to apply ${change.needsRestart.join(', ')} (state ${display(stateDir)} is kept)`,
      );
    }
  }

  private throwIfStopping(): void {
    if (this.stopping) throw new CliError('stopped while starting', EXIT.failed);
  }

  private async migrate(): Promise<void> {
    if (!this.scheduler?.has(MIGRATE_JOB) || !this.peers?.postgres) return;
    const run = await this.scheduler.wait(this.scheduler.run(MIGRATE_JOB, 'start'));
    if (run.exitCode !== 0) {
      throw new CliError(
        `migrations failed (exit ${run.exitCode}); its output is above. Fix the migration and run berth dev again.`,
        EXIT.failed,
      );
    }
  }

  private groups() {
    return processGroups([...[...this.services.values()].map((s) => s.pid()), this.peers?.postgres?.pid]);
  }
}

export { seconds };
