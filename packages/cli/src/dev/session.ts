import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, relative, resolve as resolvePath } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '../errors';
import type { LoadedConfig } from '../load';
import { jobDevCommand, migrateDevCommand, MIGRATE_JOB } from './commands';
import { handleConsole, type ConsoleState } from './console';
import { localBucketName, localEnv, processEnv, type LocalPeers } from './env';
import { startMail, type LocalMail } from './mail';
import { issuerUrl, jwksUrl, loadSigningKey, type SigningKey } from './oidc';
import { canListen, freePort, redisAnswers } from './ports';
import { externalPostgres, startEmbeddedPostgres, type LocalPostgres } from './postgres';
import { proxy } from './router';
import { routeRules } from './routing';
import { startS3, type LocalS3 } from './s3';
import { Scheduler, type JobSpec } from './scheduler';
import { ServiceProcess } from './service';
import { seconds, Terminal } from './terminal';

export interface DevOptions {
  readonly loaded: LoadedConfig;
  readonly resolved: ResolvedApp;
  /** Router port; when `portGiven` is false, 4000 or the next free one. */
  readonly port: number;
  readonly portGiven: boolean;
  /** Absolute state folder (`.berth` next to where berth runs). */
  readonly stateDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Written while `berth dev` runs: what `berth dev token` and a later run need to know. */
export const RUN_FILE = 'dev.json';
const PORTS_FILE = 'ports.json';

interface RunFile {
  readonly pid: number;
  readonly port: number;
  readonly startedAt: string;
  /** Process groups berth started, so a run after a `kill -9` can stop what that one left behind. */
  readonly groups: readonly { readonly pgid: number; readonly command: string }[];
}

/** The port of the running (or last) `berth dev`, for `berth dev token`. */
export function lastRouterPort(stateDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(stateDir, RUN_FILE), 'utf8')) as RunFile).port;
  } catch {
    try {
      return (JSON.parse(readFileSync(join(stateDir, PORTS_FILE), 'utf8')) as { router?: number }).router;
    } catch {
      return undefined;
    }
  }
}

/**
 * One `berth dev` run: claims the router port, starts the local peers the config needs, runs migrations, starts
 * the services and the scheduler, and on SIGINT/SIGTERM stops all of it in reverse order.
 */
export class DevSession {
  private readonly term = new Terminal();
  private readonly t0 = Date.now();
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly services = new Map<string, ServiceProcess>();
  private router: Server[] = [];
  private postgres: LocalPostgres | undefined;
  private s3: LocalS3 | undefined;
  private mail: LocalMail | undefined;
  private scheduler: Scheduler | undefined;
  private consoleState: ConsoleState | undefined;
  private stopping: Promise<void> | undefined;
  private recordTimer: NodeJS.Timeout | undefined;
  private readonly ports: Record<string, number>;
  port: number;

  constructor(private readonly options: DevOptions) {
    this.env = options.env ?? process.env;
    this.port = options.port;
    this.ports = readJson<Record<string, number>>(join(options.stateDir, PORTS_FILE)) ?? {};
  }

  /** Starts everything; resolves once the app is up. Throws CliError (after cleaning up) when a step fails. */
  async start(): Promise<void> {
    const { resolved, stateDir, loaded } = this.options;
    this.term.line(
      `berth dev · ${resolved.app} · stage ${resolved.stage} (profile ${resolved.profile}) · state ${display(stateDir)}`,
    );
    try {
      this.prepareState();
      await this.listen();
      this.term.done(`router on :${this.port}`, Date.now() - this.t0);

      // Peers start side by side; all settle before a failure is reported, so stop() finds each one that started.
      const settled = await Promise.allSettled([
        this.startPostgres(),
        this.startS3(),
        this.startMail(),
        this.probeCache(),
        this.startIdentity(),
      ] as const);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [postgres, s3, mail, cacheUrl, oidc] = settled.map(
        (r) => (r as PromiseFulfilledResult<unknown>).value,
      ) as [
        LocalPostgres | undefined,
        LocalS3 | undefined,
        LocalMail | undefined,
        string | undefined,
        SigningKey | undefined,
      ];
      this.throwIfStopping();
      const buckets = this.bucketNames();
      const peers: LocalPeers = {
        ...(postgres ? { database: postgres.secret } : {}),
        ...(cacheUrl ? { cacheUrl } : {}),
        ...(s3 ? { s3Endpoint: s3.endpoint } : {}),
        ...(mail ? { sesEndpoint: mail.endpoint } : {}),
        buckets,
        ...(oidc ? { oidc: { issuer: issuerUrl(this.port), jwksUrl: jwksUrl(this.port) } } : {}),
        secrets: this.readSecrets(),
        processEnv: this.env,
      };

      // Every service gets its port and env up front: jobs run with their service's env even when it is not running.
      const envs = new Map<string, Record<string, string>>();
      const warned = new Set<string>();
      for (const name of Object.keys(resolved.services)) {
        const port = await freePort(this.ports[`service:${name}`]);
        this.ports[`service:${name}`] = port;
        const { env, warnings } = localEnv(resolved, name, peers, port);
        for (const w of warnings) if (!warned.has(w) && warned.add(w)) this.term.warn(`${name}: ${w}`);
        envs.set(name, processEnv(env, this.env));
      }
      this.savePorts();

      this.scheduler = new Scheduler(this.jobSpecs(envs), this.term);
      this.term.prefixWidth([...Object.keys(resolved.services), ...Object.keys(resolved.jobs), MIGRATE_JOB]);
      this.consoleState = {
        resolved,
        port: this.port,
        stateDir,
        services: this.services,
        scheduler: this.scheduler,
        ...(mail ? { mail } : {}),
        ...(s3 ? { s3: { endpoint: s3.endpoint, buckets } } : {}),
        ...(oidc ? { oidc: { key: oidc, issuer: issuerUrl(this.port), jwksUrl: jwksUrl(this.port) } } : {}),
        peers: {
          ...(postgres
            ? {
                postgres: `postgres://${postgres.secret.username}@${postgres.secret.host}:${postgres.secret.port}/${postgres.secret.dbname}`,
              }
            : {}),
          ...(s3 ? { s3: s3.endpoint } : {}),
          ...(mail ? { ses: mail.endpoint } : {}),
          ...(cacheUrl ? { redis: cacheUrl } : {}),
        },
      };

      await this.migrate();
      this.throwIfStopping();
      this.startServices(envs, loaded.dir);
      this.recordRun();
      await Promise.all([...this.services.values()].map((s) => s.waitHealthy(30_000)));
      this.throwIfStopping();
      this.scheduler.start();
      this.printSummary();
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

  /** Stops services (their stop timeout), jobs, peers, then PostgreSQL with a fast shutdown. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.recordTimer);
      await this.scheduler?.stop();
      await Promise.all([...this.services.values()].map((s) => s.stop()));
      for (const server of this.router) {
        server.closeAllConnections();
        server.close();
      }
      await Promise.allSettled([this.s3?.stop(), this.mail?.stop()]);
      await this.postgres?.stop();
      rmSync(join(this.options.stateDir, RUN_FILE), { force: true });
    })();
    return this.stopping;
  }

  /** Kills every process group at once: the second Ctrl-C. */
  forceKill(): void {
    for (const g of this.groups()) {
      try {
        process.kill(-g.pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private throwIfStopping(): void {
    if (this.stopping) throw new CliError('stopped while starting', EXIT.failed);
  }

  private prepareState(): void {
    const dir = this.options.stateDir;
    mkdirSync(dir, { recursive: true });
    // As root, PostgreSQL runs as the `postgres` user and must be able to reach its folder.
    if (process.getuid?.() === 0) chmodSync(dir, 0o755);
    const previous = readJson<RunFile>(join(dir, RUN_FILE));
    if (
      previous &&
      previous.pid !== process.pid &&
      alive(previous.pid) &&
      cmdline(previous.pid)?.includes('berth')
    ) {
      throw new CliError(
        `berth dev already runs with state ${display(dir)} (pid ${previous.pid}, port ${previous.port}). Stop it, or pass --state <dir> for a second copy.`,
        EXIT.failed,
      );
    }
    if (previous) {
      // A run that was killed with SIGKILL could not stop its children: stop what it left, if it is still what it was.
      for (const g of previous.groups) {
        if (cmdline(g.pgid) === g.command) {
          try {
            process.kill(-g.pgid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }
    }
  }

  /** Claims the router port on 127.0.0.1 (and ::1 when it exists, since browsers may resolve localhost to it). */
  private async listen(): Promise<void> {
    let port = this.options.port;
    if (!this.options.portGiven) {
      while (!(await canListen(port)) && port < this.options.port + 20) port++;
    }
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? '').startsWith('/_berth')) {
        if (!this.consoleState)
          return void res.writeHead(503, { 'retry-after': '1' }).end('berth dev is starting\n');
        return void handleConsole(req, res, this.consoleState);
      }
      proxy(req, res, {
        rules: routeRules(this.options.resolved),
        defaultService: this.options.resolved.defaultService,
        services: this.services,
        port: this.port,
      });
    };
    const v4 = createServer({ keepAliveTimeout: 65_000 }, handler);
    await new Promise<void>((resolve, reject) => {
      v4.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new CliError(
              this.options.portGiven
                ? `port ${port} is taken: another program listens on it. Pick another with --port <n>, or stop that program (lsof -i :${port}).`
                : `ports ${this.options.port}–${port} are all taken; pick a free one with --port <n>.`,
              EXIT.invalid,
            ),
          );
        } else reject(err);
      });
      v4.listen(port, '127.0.0.1', () => resolve());
    });
    this.router.push(v4);
    this.port = port;
    this.ports.router = port;
    const v6 = createServer({ keepAliveTimeout: 65_000 }, handler);
    await new Promise<void>((resolve) => {
      v6.once('error', () => resolve());
      v6.listen(port, '::1', () => {
        this.router.push(v6);
        resolve();
      });
    });
  }

  private async startPostgres(): Promise<LocalPostgres | undefined> {
    const { resolved, stateDir } = this.options;
    if (!resolved.database || !Object.values(resolved.services).some((s) => s.uses.database))
      return undefined;
    const t = Date.now();
    const url = this.env.DATABASE_URL;
    if (url) {
      this.postgres = await externalPostgres(url, resolved.database.name).catch((err: Error) => {
        throw new CliError(`DATABASE_URL: ${err.message}`, EXIT.failed, { cause: err });
      });
      const s = this.postgres.secret;
      this.term.done(
        `postgres: using DATABASE_URL ${s.host}:${s.port}, database ${s.dbname}`,
        Date.now() - t,
      );
      return this.postgres;
    }
    const port = await freePort(this.ports.postgres);
    this.ports.postgres = port;
    const dir = join(stateDir, 'postgres');
    if (!existsSync(join(dir, 'data', 'PG_VERSION')))
      this.term.note('postgres: first run, creating the cluster (initdb)…');
    this.postgres = await startEmbeddedPostgres({ dir, port, dbname: resolved.database.name }).catch(
      (err: Error) => {
        throw new CliError(`postgres: ${err.message}`, EXIT.failed, { cause: err });
      },
    );
    this.term.done(
      `postgres ${this.postgres.version} ready on :${port}, database ${resolved.database.name}${this.postgres.created ? ' (new cluster)' : ''}`,
      Date.now() - t,
    );
    return this.postgres;
  }

  private bucketNames(): Record<string, string> {
    const { resolved } = this.options;
    return Object.fromEntries(
      Object.keys(resolved.buckets).map((b) => [b, localBucketName(resolved.app, b)]),
    );
  }

  private async startS3(): Promise<LocalS3 | undefined> {
    const { resolved, stateDir } = this.options;
    if (Object.keys(resolved.buckets).length === 0) return undefined;
    const t = Date.now();
    const port = await freePort(this.ports.s3);
    this.ports.s3 = port;
    const names = this.bucketNames();
    this.s3 = await startS3({
      dir: join(stateDir, 's3'),
      port,
      buckets: Object.fromEntries(Object.entries(resolved.buckets).map(([b, cfg]) => [names[b]!, cfg])),
    }).catch((err: Error) => {
      throw new CliError(`s3 (s3rver): ${err.message}`, EXIT.failed, { cause: err });
    });
    this.term.done(`s3 (s3rver) on :${port}, buckets ${Object.values(names).join(', ')}`, Date.now() - t);
    return this.s3;
  }

  private async startMail(): Promise<LocalMail | undefined> {
    const { resolved, stateDir } = this.options;
    if (!resolved.mail) return undefined;
    const t = Date.now();
    const port = await freePort(this.ports.ses);
    this.ports.ses = port;
    this.mail = await startMail({ port, file: join(stateDir, 'mail.json') }).catch((err: Error) => {
      throw new CliError(`mail (aws-ses-v2-local): ${err.message}`, EXIT.failed, { cause: err });
    });
    const allow = resolved.mail.allowList;
    this.term.done(
      `mail (SES v2 local) on :${port}; outbox in the console${allow ? `, allow-list ${allow.join(', ') || 'empty (nobody)'}` : ''}`,
      Date.now() - t,
    );
    return this.mail;
  }

  private async probeCache(): Promise<string | undefined> {
    if (!this.options.resolved.cache) return undefined;
    const url = this.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const t = Date.now();
    if (await redisAnswers(url)) {
      this.term.done(`cache: Redis at ${url}`, Date.now() - t);
      return url;
    }
    this.term.note(
      `cache: no Redis answers at ${url}; services use their in-process cache (set REDIS_URL to use one)`,
    );
    return undefined;
  }

  private async startIdentity(): Promise<SigningKey | undefined> {
    const { resolved, stateDir } = this.options;
    if (!resolved.auth) return undefined;
    const t = Date.now();
    const key = await loadSigningKey(stateDir);
    this.term.done(
      `identity: dev OIDC issuer ${issuerUrl(this.port)} (audience ${resolved.auth.audience})`,
      Date.now() - t,
    );
    return key;
  }

  private readSecrets(): Record<string, unknown> {
    const file = join(this.options.stateDir, 'secrets.json');
    if (!existsSync(file)) return {};
    const parsed = readJson<Record<string, unknown>>(file);
    if (!parsed) this.term.warn(`${display(file)} is not valid JSON; ignoring it`);
    return parsed ?? {};
  }

  private jobSpecs(envs: ReadonlyMap<string, Record<string, string>>): JobSpec[] {
    const { resolved, loaded } = this.options;
    const specs: JobSpec[] = [];
    const cwdOf = (service: string) => resolvePath(loaded.dir, resolved.services[service]?.dev?.cwd ?? '.');
    for (const job of Object.values(resolved.jobs)) {
      const command = jobDevCommand(resolved, job);
      if (!command) {
        this.term.warn(
          `job ${job.name}: no devCommand and service ${job.service} has no dev.command; it cannot run locally`,
        );
        continue;
      }
      specs.push({
        name: job.name,
        service: job.service,
        schedule: job.schedule,
        enabled: job.enabled,
        command,
        cwd: cwdOf(job.service),
        env: envs.get(job.service) ?? {},
        timeoutMinutes: job.timeoutMinutes,
      });
    }
    const migrate = migrateDevCommand(resolved);
    if (migrate && !resolved.jobs[MIGRATE_JOB]) {
      specs.unshift({
        name: MIGRATE_JOB,
        service: migrate.service,
        schedule: null,
        enabled: true,
        command: migrate.command,
        cwd: cwdOf(migrate.service),
        env: envs.get(migrate.service) ?? {},
        timeoutMinutes: 30,
      });
    }
    return specs;
  }

  private async migrate(): Promise<void> {
    if (!this.scheduler?.has(MIGRATE_JOB) || !this.postgres) return;
    const run = await this.scheduler.wait(this.scheduler.run(MIGRATE_JOB, 'start'));
    if (run.exitCode !== 0) {
      throw new CliError(
        `migrations failed (exit ${run.exitCode}); its output is above. Fix the migration and run berth dev again.`,
        EXIT.failed,
      );
    }
  }

  private startServices(envs: ReadonlyMap<string, Record<string, string>>, configDir: string): void {
    const { resolved } = this.options;
    for (const service of Object.values(resolved.services)) {
      if (!service.dev) {
        this.term.warn(
          `${service.name}: no dev.command in the config, so berth dev does not run it (the router answers 502)`,
        );
        continue;
      }
      const env = envs.get(service.name)!;
      const proc = new ServiceProcess(
        {
          name: service.name,
          command: service.dev.command,
          cwd: resolvePath(configDir, service.dev.cwd),
          env,
          port: Number(env.PORT),
          healthPath: service.healthPath,
          stopTimeout: service.stopTimeout,
          watch: service.dev.watch.map((w) => resolvePath(configDir, w)),
        },
        this.term,
        this.serviceUrl(service.name),
      );
      this.services.set(service.name, proc);
      proc.start();
    }
  }

  private serviceUrl(name: string): string {
    const service = this.options.resolved.services[name]!;
    const label = service.hostRules[0];
    const host = label ? (label.includes('.') ? label : `${label}.localhost`) : 'localhost';
    return `http://${host}:${this.port}`;
  }

  private printSummary(): void {
    const { resolved, loaded, stateDir } = this.options;
    this.term.done(this.term.paint(1, `${resolved.app} is up`), Date.now() - this.t0);
    const rows: [string, string][] = [['console', `http://localhost:${this.port}/_berth`]];
    for (const s of Object.values(resolved.services)) {
      const proc = this.services.get(s.name);
      const status = proc && proc.status !== 'healthy' ? `  (${proc.status})` : '';
      rows.push([
        s.name,
        `${this.serviceUrl(s.name)}${s.isDefault ? `  (also http://localhost:${this.port})` : ''}${status}`,
      ]);
    }
    if (resolved.auth) {
      const config = relative(process.cwd(), loaded.path) || loaded.path;
      const state = relative(process.cwd(), stateDir) === '.berth' ? '' : ` --state ${display(stateDir)}`;
      rows.push([
        'token',
        `npx berth dev token --config ${config}${state} --sub user-1 --email you@example.com [--role …]`,
      ]);
    }
    for (const j of this.scheduler?.views() ?? []) {
      if (j.nextRun)
        rows.push([`job`, `${j.name}: ${j.schedule}, next ${j.nextRun.replace('T', ' ').slice(0, 16)} UTC`]);
    }
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.term.line(`  ${this.term.paint(90, k.padEnd(width))}  ${v}`);
    this.term.line(this.term.paint(90, `  Ctrl-C stops everything; data stays in ${display(stateDir)}/`));
  }

  private savePorts(): void {
    writeFileSync(join(this.options.stateDir, PORTS_FILE), JSON.stringify(this.ports, null, 2));
  }

  private groups(): { pgid: number; command: string }[] {
    const pids = [...this.services.values()].map((s) => s.pid());
    if (this.postgres?.pid) pids.push(this.postgres.pid);
    return pids
      .filter((p): p is number => p !== undefined)
      .map((pgid) => ({ pgid, command: cmdline(pgid) ?? '' }));
  }

  /** dev.json: this run's pid, port and child process groups (refreshed as services restart). */
  private recordRun(): void {
    const write = () => {
      const run: RunFile = {
        pid: process.pid,
        port: this.port,
        startedAt: new Date(this.t0).toISOString(),
        groups: this.groups(),
      };
      try {
        writeFileSync(join(this.options.stateDir, RUN_FILE), JSON.stringify(run, null, 2));
      } catch {
        // the state folder went away; nothing to record
      }
    };
    write();
    this.recordTimer = setInterval(write, 2000);
    this.recordTimer.unref();
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** A path as the user would type it: relative to where berth runs when inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

export { seconds };
