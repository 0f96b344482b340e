import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '../errors';
import type { ConsoleState } from './console';
import { loadCredentials, type PeerCredentials } from './credentials';
import { localBucketName, type LocalPeers } from './env';
import { startMail, type LocalMail } from './mail';
import { issuerUrl, jwksUrl, loadSigningKey, type SigningKey } from './oidc';
import { freePort, redisAnswers } from './ports';
import { externalPostgres, startEmbeddedPostgres, type LocalPostgres } from './postgres';
import { startS3, type LocalS3 } from './s3';
import type { Terminal } from './terminal';

export interface PeerOptions {
  readonly resolved: ResolvedApp;
  readonly stateDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly term: Terminal;
  /** The ports the last run chose; each peer reuses its own and records the one it got. */
  readonly ports: Record<string, number>;
  /** The router's port: the dev OIDC issuer is served there. */
  readonly routerPort: number;
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
  cacheUrl: string | undefined;
  oidc: SigningKey | undefined;
  readonly credentials: PeerCredentials;

  constructor(private readonly options: PeerOptions) {
    this.credentials = loadCredentials(options.stateDir).credentials;
  }

  /** Starts every peer the config needs; all settle before a failure is reported. */
  async start(): Promise<void> {
    const settled = await Promise.allSettled([
      this.startPostgres(),
      this.startS3(),
      this.startMail(),
      this.probeCache(),
      this.startIdentity(),
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** S3 and SES side by side, then PostgreSQL (a fast shutdown). Redis is not ours to stop. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.s3?.stop(), this.mail?.stop()]);
    await this.postgres?.stop();
  }

  /** Config bucket key → the bucket's local name. */
  bucketNames(): Record<string, string> {
    const { resolved } = this.options;
    return Object.fromEntries(
      Object.keys(resolved.buckets).map((b) => [b, localBucketName(resolved.app, b)]),
    );
  }

  /** What the services' env is built from. */
  local(secrets: Record<string, unknown>): LocalPeers {
    const { routerPort, env } = this.options;
    return {
      ...(this.postgres ? { database: this.postgres.secret } : {}),
      ...(this.cacheUrl ? { cacheUrl: this.cacheUrl } : {}),
      ...(this.s3 ? { s3Endpoint: this.s3.endpoint } : {}),
      ...(this.mail ? { sesEndpoint: this.mail.endpoint } : {}),
      buckets: this.bucketNames(),
      ...(this.oidc ? { oidc: { issuer: issuerUrl(routerPort), jwksUrl: jwksUrl(routerPort) } } : {}),
      secrets,
      aws: this.credentials.aws,
      processEnv: env,
    };
  }

  /** What the console shows and serves of the peers. */
  forConsole(): Pick<ConsoleState, 'mail' | 's3' | 'oidc' | 'peers'> {
    const { routerPort } = this.options;
    const pg = this.postgres?.secret;
    return {
      ...(this.mail ? { mail: this.mail } : {}),
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
      peers: {
        ...(pg ? { postgres: `postgres://${pg.username}@${pg.host}:${pg.port}/${pg.dbname}` } : {}),
        ...(this.s3 ? { s3: this.s3.endpoint } : {}),
        ...(this.mail ? { ses: this.mail.endpoint } : {}),
        ...(this.cacheUrl ? { redis: this.cacheUrl } : {}),
      },
    };
  }

  private async startPostgres(): Promise<void> {
    const { resolved, stateDir, env, term, ports } = this.options;
    if (!resolved.database || !Object.values(resolved.services).some((s) => s.uses.database)) return;
    const t = Date.now();
    const url = env.DATABASE_URL;
    if (url) {
      this.postgres = await externalPostgres(url, resolved.database.name).catch((err: Error) => {
        throw new CliError(`DATABASE_URL: ${err.message}`, EXIT.failed, { cause: err });
      });
      const s = this.postgres.secret;
      term.done(`postgres: using DATABASE_URL ${s.host}:${s.port}, database ${s.dbname}`, Date.now() - t);
      return;
    }
    const port = await freePort(ports.postgres);
    ports.postgres = port;
    const dir = join(stateDir, 'postgres');
    if (!existsSync(join(dir, 'data', 'PG_VERSION')))
      term.note('postgres: first run, creating the cluster (initdb)…');
    this.postgres = await startEmbeddedPostgres({
      dir,
      port,
      dbname: resolved.database.name,
      credentials: this.credentials.postgres,
    }).catch((err: Error) => {
      throw new CliError(`postgres: ${err.message}`, EXIT.failed, { cause: err });
    });
    term.done(
      `postgres ${this.postgres.version} ready on :${port}, database ${resolved.database.name}${this.postgres.created ? ' (new cluster)' : ''}`,
      Date.now() - t,
    );
  }

  private async startS3(): Promise<void> {
    const { resolved, stateDir, term, ports } = this.options;
    if (Object.keys(resolved.buckets).length === 0) return;
    const t = Date.now();
    const port = await freePort(ports.s3);
    ports.s3 = port;
    const names = this.bucketNames();
    this.s3 = await startS3({
      dir: join(stateDir, 's3'),
      port,
      buckets: Object.fromEntries(Object.entries(resolved.buckets).map(([b, cfg]) => [names[b]!, cfg])),
      credentials: this.credentials.aws,
    }).catch((err: Error) => {
      throw new CliError(`s3 (s3rver): ${err.message}`, EXIT.failed, { cause: err });
    });
    term.done(`s3 (s3rver) on :${port}, buckets ${Object.values(names).join(', ')}`, Date.now() - t);
  }

  private async startMail(): Promise<void> {
    const { resolved, stateDir, term, ports } = this.options;
    if (!resolved.mail) return;
    const t = Date.now();
    const port = await freePort(ports.ses);
    ports.ses = port;
    this.mail = await startMail({
      port,
      file: join(stateDir, 'mail.json'),
      accessKeyId: this.credentials.aws.accessKeyId,
    }).catch((err: Error) => {
      throw new CliError(`mail (aws-ses-v2-local): ${err.message}`, EXIT.failed, { cause: err });
    });
    const allow = resolved.mail.allowList;
    term.done(
      `mail (SES v2 local) on :${port}; outbox in the console${allow ? `, allow-list ${allow.join(', ') || 'empty (nobody)'}` : ''}`,
      Date.now() - t,
    );
  }

  private async probeCache(): Promise<void> {
    const { resolved, env, term } = this.options;
    if (!resolved.cache) return;
    const url = env.REDIS_URL || 'redis://127.0.0.1:6379';
    const t = Date.now();
    if (await redisAnswers(url)) {
      term.done(`cache: Redis at ${url}`, Date.now() - t);
      this.cacheUrl = url;
      return;
    }
    term.note(
      `cache: no Redis answers at ${url}; services use their in-process cache (set REDIS_URL to use one)`,
    );
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
