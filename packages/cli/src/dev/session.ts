import type { Server } from 'node:http';
import { routeOrder, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '../errors';
import type { LoadedConfig } from '../load';
import { MIGRATE_JOB } from './commands';
import type { ConsoleState } from './console';
import { localEnv, processEnv } from './env';
import { closeRouter, listenRouter } from './listen';
import { Peers } from './peers';
import { freePort } from './ports';
import { sessionToken } from './guard';
import { appHostNames, DEFAULT_LIMITS, routerHandler, type RouterLimits } from './router';
import { Scheduler } from './scheduler';
import type { ServiceProcess } from './service';
import {
  claimState,
  display,
  killGroup,
  processGroups,
  readPorts,
  readSecrets,
  RunRecord,
  savePorts,
} from './state';
import { printSummary, serviceUrl } from './summary';
import { seconds, Terminal } from './terminal';
import { jobSpecs, startServices } from './workloads';

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
  /** Carried by the console page; required on every state-changing console call. */
  readonly token = sessionToken();
  port: number;

  constructor(private readonly options: DevOptions) {
    this.env = options.env ?? process.env;
    this.port = options.port;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.ports = readPorts(options.stateDir);
    this.record = new RunRecord(options.stateDir, this.t0);
  }

  /** Starts everything; resolves once the app is up. Throws CliError (after cleaning up) when a step fails. */
  async start(): Promise<void> {
    const { resolved, stateDir, loaded } = this.options;
    this.term.line(
      `berth dev · ${resolved.app} · stage ${resolved.stage} (profile ${resolved.profile}) · state ${display(stateDir)}`,
    );
    try {
      claimState(stateDir);
      const rules = routeOrder(resolved);
      const handler = routerHandler({
        target: () => ({
          rules,
          defaultService: resolved.defaultService,
          services: this.services,
          port: this.port,
          limits: this.limits,
        }),
        console: () => this.consoleState,
        appHosts: appHostNames(rules),
      });
      const listening = await listenRouter(this.options.port, this.options.portGiven, handler, this.limits);
      this.router = listening.servers;
      this.port = listening.port;
      this.ports.router = listening.port;
      this.term.done(`router on :${this.port}`, Date.now() - this.t0);

      // Peers start side by side; all settle before a failure is reported, so stop() finds each one that started.
      this.peers = new Peers({
        resolved,
        stateDir,
        env: this.env,
        term: this.term,
        ports: this.ports,
        routerPort: this.port,
      });
      await this.peers.start();
      this.throwIfStopping();
      const local = this.peers.local(readSecrets(stateDir, (m) => this.term.warn(m)));

      // Every service gets its port and env up front: jobs run with their service's env even when it is not running.
      const envs = new Map<string, Record<string, string>>();
      const warned = new Set<string>();
      for (const name of Object.keys(resolved.services)) {
        const port = await freePort(this.ports[`service:${name}`]);
        this.ports[`service:${name}`] = port;
        const { env, warnings } = localEnv(resolved, name, local, port);
        for (const w of warnings) if (!warned.has(w) && warned.add(w)) this.term.warn(`${name}: ${w}`);
        envs.set(name, processEnv(env, this.env));
      }
      savePorts(stateDir, this.ports);

      this.scheduler = new Scheduler(jobSpecs(resolved, loaded.dir, envs, this.term), this.term);
      this.term.prefixWidth([...Object.keys(resolved.services), ...Object.keys(resolved.jobs), MIGRATE_JOB]);
      this.consoleState = {
        resolved,
        port: this.port,
        stateDir,
        token: this.token,
        services: this.services,
        scheduler: this.scheduler,
        ...this.peers.forConsole(),
      };

      await this.migrate();
      this.throwIfStopping();
      startServices(
        resolved,
        loaded.dir,
        envs,
        this.term,
        (name) => serviceUrl(resolved, name, this.port),
        this.services,
      );
      this.record.start(this.port, this.token, () => this.groups());
      await Promise.all([...this.services.values()].map((s) => s.waitHealthy(30_000)));
      this.throwIfStopping();
      this.scheduler.start();
      printSummary(this.term, {
        resolved,
        loaded,
        stateDir,
        routerPort: this.port,
        services: this.services,
        scheduler: this.scheduler,
        startedAt: this.t0,
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
