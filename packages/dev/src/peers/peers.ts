import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import type { ConsoleState } from '../console/console';
import { loadCredentials, type PeerCredentials } from './credentials';
import { localBucketName, type DatabaseSecret, type LocalPeers } from '../session/env';
import { startMail, type LocalMail } from './ses/mail';
import { mailEventsQueueUrl, startMailEvents, type LocalMailEvents } from './sns-sqs/mail-events';
import { issuerUrl, jwksUrl, loadSigningKey, type SigningKey } from './oidc/oidc';
import { freePort, holdPort, type PortHold } from '../session/ports';
import { RENEW_MS } from './redis/redis';
import { startLocalCache, type LocalCache } from './redis/local';
import { startEmbeddedPostgres, type EarlyPostgres, type LocalPostgres } from './postgres/postgres';
import { externalPostgres, versionMismatch } from './postgres/databases';
import { rotateDatabaseSecret } from './secrets-manager/rotation';
import { createBuckets, startS3, withLocalOrigins, type LocalS3 } from './s3/s3';
import { CURRENT, startSecretsManager, type LocalSecretsManager } from './secrets-manager/secrets-manager';
import { PeerSupervisor, type PeerView, type Restartable } from './supervise';
import type { Terminal } from '../terminal/terminal';

export interface PeerOptions {
  readonly resolved: ResolvedApp;
  readonly stateDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly term: Terminal;
  /** The ports the last run chose; each peer reuses its own and records the one it got. */
  readonly ports: Record<string, number>;
  /** The router's port: the dev OIDC issuer is served there. */
  readonly routerPort: number;
  /** The cluster's server, started before the config was read (adopted, or stopped when this config has none). */
  readonly early?: EarlyPostgres;
}

/**
 * The local stand-ins for AWS that the config needs — PostgreSQL, S3 (s3rver), SES v2, Redis, an OIDC issuer —
 * started side by side and stopped together. Each field is set as soon as its peer is up, so `stop()` after a
 * failed `start()` stops exactly the ones that started.
 */
export class Peers {
  postgres: LocalPostgres | undefined;
  s3: LocalS3 | undefined;
  mail: LocalMail | undefined;
  /** SNS → SQS for bounce and complaint events, drained by the services as in the cloud. */
  mailEvents: LocalMailEvents | undefined;
  /** The Redis the services use (its URL carries the credentials); undefined until it is up, or when none. */
  cache: LocalCache | undefined;
  private renewCache: NodeJS.Timeout | undefined;
  oidc: SigningKey | undefined;
  readonly credentials: PeerCredentials;
  /** Holds the database secret, so code can re-read it after `berth dev rotate` as it would in AWS. */
  secretsManager: LocalSecretsManager | undefined;
  /** The ARN of the database secret in `secretsManager`. */
  databaseSecretArn: string | undefined;
  private resolved: ResolvedApp;
  /** One per peer, in start order: each embedded peer is restarted in place when it dies. */
  private readonly supervisors: PeerSupervisor[] = [];
  /** The in-process peers (s3rver, SES, SNS/SQS) settling: they load while migrations run and services start. */
  private inProcess: Promise<PromiseSettledResult<void>[]> | undefined;
  /** PostgreSQL, the cache and the identity settling (what migrations wait for). */
  private essentials: Promise<PromiseSettledResult<void>[]> | undefined;
  private stopped = false;
  /** Their endpoints, known once their ports are held (before they answer). */
  private held: { s3?: string; ses?: string; sqs?: string; queueUrl?: string } = {};

  constructor(private readonly options: PeerOptions) {
    this.credentials = loadCredentials(options.stateDir).credentials;
    this.resolved = options.resolved;
  }

  /** The config changed: buckets it added are created in the running s3rver. */
  async update(next: ResolvedApp, addedBuckets: readonly string[]): Promise<void> {
    this.resolved = next;
    if (!this.s3 || addedBuckets.length === 0) return;
    const names = this.bucketNames();
    await createBuckets(
      this.s3.endpoint,
      next.region,
      this.credentials.aws,
      withLocalOrigins(
        Object.fromEntries(addedBuckets.map((b) => [names[b]!, next.buckets[b]!])),
        this.options.routerPort,
      ),
    );
  }

  /**
   * Starts every peer the config needs. Resolves once PostgreSQL, the secret, the cache and the identity are up
   * (what migrations need); all of those settle before a failure is reported. The in-process peers (s3rver, SES,
   * SNS/SQS) load their modules meanwhile and after, on this thread, while the migrate job and the services start
   * in processes of their own: their ports are held from the start, so a request made before one answers waits for
   * it rather than being refused. `ready()` resolves when they answer.
   */
  async start(): Promise<void> {
    const holds = await this.holdPorts();
    if (!this.stopped) {
      this.essentials = Promise.allSettled([this.startPostgres(), this.startCache(), this.startIdentity()]);
    }
    const settled = (await this.essentials) ?? [];
    // Stopped meanwhile (Ctrl-C while starting): the in-process peers are not started after the stop.
    if (this.stopped) for (const h of Object.values(holds)) h.release();
    else this.inProcess = Promise.allSettled([this.startS3(holds.s3), this.startMail(holds.ses, holds.sqs)]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Resolves once the in-process peers answer; throws the first one's failure. */
  async ready(): Promise<void> {
    const failed = (await this.inProcess)?.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Chooses the in-process peers' ports (the last run's when free) and holds them. */
  private async holdPorts(): Promise<{ s3?: PortHold; ses?: PortHold; sqs?: PortHold }> {
    const { resolved, ports } = this.options;
    const hold = async (key: string) => {
      const h = await holdPort(ports[key]);
      ports[key] = h.port;
      return h;
    };
    const s3 = Object.keys(resolved.buckets).length > 0 ? await hold('s3') : undefined;
    const ses = resolved.mail ? await hold('ses') : undefined;
    const sqs = resolved.mail ? await hold('sqs') : undefined;
    if (s3) this.held.s3 = `http://127.0.0.1:${s3.port}`;
    if (ses) this.held.ses = `http://127.0.0.1:${ses.port}`;
    if (sqs) {
      this.held.sqs = `http://127.0.0.1:${sqs.port}`;
      this.held.queueUrl = mailEventsQueueUrl(sqs.port, resolved.region, this.mailEventsName());
    }
    return { ...(s3 ? { s3 } : {}), ...(ses ? { ses } : {}), ...(sqs ? { sqs } : {}) };
  }

  private mailEventsName(): string {
    return `${this.resolved.app}-mail-events`;
  }

  /** S3, SES and the state's own redis-server side by side, then PostgreSQL (a fast shutdown). */
  async stop(): Promise<void> {
    // A peer still starting finishes first, so it is stopped rather than left running.
    this.stopped = true;
    await this.essentials;
    await this.inProcess;
    clearInterval(this.renewCache);
    // From here on a peer going away is a stop, not a death to restart.
    for (const s of this.supervisors) s.stop();
    await Promise.allSettled([
      this.s3?.stop(),
      this.mail?.stop(),
      this.mailEvents?.stop(),
      this.secretsManager?.stop(),
      this.cache?.stop(),
    ]);
    await this.postgres?.stop();
  }

  /** Each peer's status, for the console: up, restarting (it died and comes back), stopped. */
  views(): PeerView[] {
    return this.supervisors.map((s) => s.view()).sort((a, b) => a.name.localeCompare(b.name));
  }

  private supervise(name: string, endpoint: () => string, peer: Restartable | undefined): void {
    this.supervisors.push(new PeerSupervisor(name, endpoint, this.options.term, peer));
  }

  /** Config bucket key → the bucket's local name. */
  bucketNames(): Record<string, string> {
    const { resolved } = this;
    return Object.fromEntries(
      Object.keys(resolved.buckets).map((b) => [b, localBucketName(resolved.app, b)]),
    );
  }

  /** What the services' env is built from. */
  local(secrets: Record<string, unknown>): LocalPeers {
    const { routerPort, env } = this.options;
    return {
      ...(this.postgres ? { database: this.databaseSecret() } : {}),
      ...(this.databaseSecretArn ? { databaseSecretArn: this.databaseSecretArn } : {}),
      ...(this.secretsManager ? { secretsManagerEndpoint: this.secretsManager.endpoint } : {}),
      ...(this.cache?.url ? { cacheUrl: this.cache.url } : {}),
      ...(this.cache?.password ? { cachePassword: this.cache.password } : {}),
      ...(this.held.s3 ? { s3Endpoint: this.held.s3 } : {}),
      ...(this.held.ses ? { sesEndpoint: this.held.ses } : {}),
      ...(this.held.sqs && this.held.queueUrl
        ? { mailEvents: { endpoint: this.held.sqs, queueUrl: this.held.queueUrl } }
        : {}),
      buckets: this.bucketNames(),
      ...(this.oidc ? { oidc: { issuer: issuerUrl(routerPort), jwksUrl: jwksUrl(routerPort) } } : {}),
      secrets,
      aws: this.credentials.aws,
      processEnv: env,
    };
  }

  /** The PostgreSQL berth dev runs against `database.version`, and what to say when their majors differ. */
  database(): ConsoleState['database'] {
    const configured = this.resolved.database?.version;
    const running = this.postgres?.serverVersion;
    if (!configured || !running) return undefined;
    const mismatch = versionMismatch(configured, running);
    return { configured, running, ...(mismatch ? { mismatch } : {}) };
  }

  /** What the console shows and serves of the peers. */
  forConsole(): Pick<
    ConsoleState,
    'mail' | 'mailEvents' | 's3' | 'oidc' | 'peers' | 'peerViews' | 'rotate' | 'database'
  > {
    const database = this.database();
    const { routerPort } = this.options;
    const pg = this.postgres?.secret;
    const sm = this.secretsManager;
    const arn = this.databaseSecretArn;
    return {
      // Only the embedded server's password is berth dev's to change; a DATABASE_URL's belongs to its owner.
      ...(sm && arn && this.postgres?.version ? { rotate: () => rotateDatabaseSecret(sm, arn) } : {}),
      ...(this.mail ? { mail: this.mail } : {}),
      ...(database ? { database } : {}),
      ...(this.mailEvents ? { mailEvents: this.mailEvents } : {}),
      ...(this.s3
        ? {
            s3: {
              endpoint: this.s3.endpoint,
              buckets: this.bucketNames(),
              credentials: this.credentials.aws,
            },
          }
        : {}),
      ...(this.oidc
        ? { oidc: { key: this.oidc, issuer: issuerUrl(routerPort), jwksUrl: jwksUrl(routerPort) } }
        : {}),
      peerViews: () => this.views(),
      peers: {
        ...(pg ? { postgres: `postgres://${pg.username}@${pg.host}:${pg.port}/${pg.dbname}` } : {}),
        ...(this.s3 ? { s3: this.s3.endpoint } : {}),
        ...(this.mail ? { ses: this.mail.endpoint } : {}),
        ...(this.mailEvents ? { sqs: this.mailEvents.endpoint } : {}),
        // Without its password: the console is not where a credential is handed out.
        ...(this.cache?.endpoint ? { redis: this.cache.endpoint } : {}),
        ...(this.secretsManager ? { secretsmanager: this.secretsManager.endpoint } : {}),
      },
    };
  }

  /** The database secret as it is now (AWSCURRENT): after a rotation, the new password. */
  databaseSecret(): DatabaseSecret {
    const stored = this.databaseSecretArn && this.secretsManager?.read(this.databaseSecretArn);
    return stored ? (JSON.parse(stored.value) as DatabaseSecret) : this.postgres!.secret;
  }

  /**
   * The Secrets Manager peer and the database secret in it, named `<app>/<stage>/database`. A password rotated in an
   * earlier run is kept there, so it is the password PostgreSQL is started with; host and port follow this run.
   */
  private async startSecrets(): Promise<string | undefined> {
    const { resolved, stateDir, ports } = this.options;
    const port = await freePort(ports.secretsmanager);
    ports.secretsmanager = port;
    this.secretsManager = await startSecretsManager({
      port,
      file: join(stateDir, 'secretsmanager.json'),
      region: resolved.region,
      // Like every peer here: only requests signed with this state's key pair are answered.
      credentials: this.credentials.aws,
    }).catch((err: Error) => {
      throw new CliError(`secrets manager: ${err.message}`, EXIT.failed, { cause: err });
    });
    this.supervise('secretsmanager', () => this.secretsManager!.endpoint, this.secretsManager.restartable);
    const kept = this.secretsManager.read(this.secretName(), CURRENT);
    return kept ? (JSON.parse(kept.value) as DatabaseSecret).password : undefined;
  }

  private secretName(): string {
    return `${this.options.resolved.app}/${this.options.resolved.stage}/database`;
  }

  /** Writes this run's secret as AWSCURRENT when it differs from the kept one (a new port, a new DATABASE_URL). */
  private recordSecret(secret: DatabaseSecret): void {
    const sm = this.secretsManager!;
    const value = JSON.stringify({ engine: 'postgres', ...secret });
    this.databaseSecretArn = sm.ensure(this.secretName(), value);
    if (sm.read(this.databaseSecretArn)?.value !== value) sm.put(this.databaseSecretArn, value);
  }

  private async startPostgres(): Promise<void> {
    const { resolved, stateDir, env, term, ports, early } = this.options;
    const url = env.DATABASE_URL;
    const wanted = resolved.database && Object.values(resolved.services).some((s) => s.uses.database);
    if (!wanted || url) await early?.discard();
    if (!wanted) return;
    const t = Date.now();
    const keptPassword = await this.startSecrets();
    if (url) {
      this.postgres = await externalPostgres(url, resolved.database.name).catch((err: Error) => {
        throw new CliError(`DATABASE_URL: ${err.message}`, EXIT.failed, { cause: err });
      });
      this.recordSecret(this.postgres.secret);
      const s = this.postgres.secret;
      // The user's own server: berth dev neither stops nor restarts it.
      this.supervise('postgres', () => `${s.host}:${s.port}`, undefined);
      term.done(
        `postgres: using DATABASE_URL ${s.host}:${s.port} (PostgreSQL ${this.postgres.serverVersion}), database ${s.dbname}`,
        Date.now() - t,
      );
      this.warnVersion();
      return;
    }
    const dir = join(stateDir, 'postgres');
    // The early server holds the last run's port: it is this run's (when it could not start, another is chosen).
    const port = early && (await early.running) ? early.port : await freePort(ports.postgres);
    ports.postgres = port;
    if (!existsSync(join(dir, 'data', 'PG_VERSION')))
      term.note('postgres: first run, creating the cluster (initdb)…');
    this.postgres = await startEmbeddedPostgres({
      dir,
      port,
      dbname: resolved.database.name,
      ...(early ? { early } : {}),
      // A password rotated in an earlier run stays the app role's password.
      credentials: keptPassword
        ? { ...this.credentials.postgres, appPassword: keptPassword }
        : this.credentials.postgres,
    }).catch((err: Error) => {
      throw new CliError(`postgres: ${err.message}`, EXIT.failed, { cause: err });
    });
    this.recordSecret(this.postgres.secret);
    this.supervise('postgres', () => `127.0.0.1:${port}`, this.postgres.restartable);
    term.done(
      `postgres ${this.postgres.serverVersion} ready on :${port}, database ${resolved.database.name}${this.postgres.created ? ' (new cluster)' : ''}`,
      Date.now() - t,
    );
    this.warnVersion();
  }

  private warnVersion(): void {
    const mismatch = this.database()?.mismatch;
    if (mismatch) this.options.term.warn(`database: ${mismatch}`);
  }

  private async startS3(hold: PortHold | undefined): Promise<void> {
    const { resolved, stateDir, term } = this.options;
    if (!hold) return;
    const t = Date.now();
    const { port } = hold;
    const names = this.bucketNames();
    this.s3 = await startS3({
      dir: join(stateDir, 's3'),
      port: hold,
      buckets: withLocalOrigins(
        Object.fromEntries(Object.entries(resolved.buckets).map(([b, cfg]) => [names[b]!, cfg])),
        this.options.routerPort,
      ),
      credentials: this.credentials.aws,
      region: resolved.region,
    }).catch((err: Error) => {
      hold.release();
      throw new CliError(`s3 (s3rver): ${err.message}`, EXIT.failed, { cause: err });
    });
    this.supervise('s3', () => this.s3!.endpoint, this.s3.restartable);
    term.done(`s3 (s3rver) on :${port}, buckets ${Object.values(names).join(', ')}`, Date.now() - t);
  }

  private async startMail(hold: PortHold | undefined, eventsHold: PortHold | undefined): Promise<void> {
    const { resolved, stateDir, term } = this.options;
    if (!resolved.mail || !hold || !eventsHold) return;
    const t = Date.now();
    const { port } = hold;
    const eventsPort = eventsHold.port;
    this.mail = await startMail({
      port: hold,
      file: join(stateDir, 'mail.json'),
      credentials: this.credentials.aws,
      region: resolved.region,
    }).catch((err: Error) => {
      hold.release();
      eventsHold.release();
      throw new CliError(`mail (aws-ses-v2-local): ${err.message}`, EXIT.failed, { cause: err });
    });
    this.supervise('ses', () => this.mail!.endpoint, this.mail.restartable);
    this.mailEvents = await startMailEvents({
      port: eventsHold,
      region: resolved.region,
      name: this.mailEventsName(),
      credentials: this.credentials.aws,
    }).catch((err: Error) => {
      eventsHold.release();
      throw new CliError(`mail events (fauxqs SNS/SQS): ${err.message}`, EXIT.failed, { cause: err });
    });
    const allow = resolved.mail.allowList;
    term.done(
      `mail (SES v2 local) on :${port}, bounce/complaint events (SNS → SQS) on :${eventsPort}; outbox in the console${allow ? `, allow-list ${allow.join(', ') || 'empty (nobody)'}` : ''}`,
      Date.now() - t,
    );
  }

  private async startCache(): Promise<void> {
    const { resolved, env, term, stateDir, ports } = this.options;
    if (!resolved.cache) return;
    const t = Date.now();
    const cache = await startLocalCache({
      stateDir,
      env,
      port: async () => (ports.redis = await freePort(ports.redis)),
      // The runtime's cache keys are `<app>:<stage>:` (runtime.ts): what a database taken over must not still hold.
      keyPrefix: `${resolved.app}:${resolved.stage}:`,
    });
    this.cache = cache;
    for (const note of cache.notes) term.note(note);
    if (!cache.url) {
      term.warn(cache.message);
      return;
    }
    term.done(cache.message, Date.now() - t);
    const renew = cache.renew;
    if (renew) {
      this.renewCache = setInterval(() => {
        renew().then(
          (held) => {
            if (!held) term.warn(`cache: database ${cache.database} was claimed by another state folder`);
          },
          () => undefined, // Redis away for a moment: the next renewal tries again.
        );
      }, RENEW_MS);
      this.renewCache.unref();
    }
    // The state's own redis-server is restarted in place when it dies; a shared one (REDIS_URL, 6379) is shown only.
    this.supervise('redis', () => cache.endpoint!, cache.restartable);
  }

  private async startIdentity(): Promise<void> {
    const { resolved, stateDir, term, routerPort } = this.options;
    if (!resolved.auth) return;
    const t = Date.now();
    this.oidc = await loadSigningKey(stateDir);
    term.done(
      `identity: dev OIDC issuer ${issuerUrl(routerPort)} (audience ${resolved.auth.audience})`,
      Date.now() - t,
    );
  }
}
