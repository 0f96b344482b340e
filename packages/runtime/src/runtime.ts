import { bucketEnv, ENV } from '@berthjs/config/contract';
import { createCache, type Cache } from './cache';
import { loadRuntimeConfig, processEnv, type RuntimeConfig } from './config';
import { createDb, type Db } from './db';
import { BerthError } from './errors';
import { createLogger, type Logger } from './logger';
import type { LevelWithSilent } from 'pino';
import { createMailer, type Mailer } from './mail';
import { createMetrics, type Metrics } from './metrics';
import { createS3Client, createStorage, type Storage } from './storage';
import type { S3Client } from '@aws-sdk/client-s3';

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly log: Logger;
  /** The database pool, created on first use. Throws if the service has no database. */
  readonly db: Db;
  /** Redis when CACHE_URL is set, else an in-process LRU; created on first use. */
  readonly cache: Cache;
  /** A bucket by its logical name in berth.config.ts (`resumes`). Throws if the service does not use it. */
  storage(bucket: string): Storage;
  /** Throws if the service has no mail. */
  readonly mail: Mailer;
  readonly metrics: Metrics;
  /** The service has a database (DATABASE_SECRET is set): readiness pings it. */
  readonly hasDatabase: boolean;
  /** Closes what was created: the mail-events drain, db pools (after in-flight queries), Redis, metrics flush. Idempotent. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - createLogger({ service, stage }) */
  readonly logger?: Logger;
}

/**
 * Everything a service needs, read from the contract. Nothing connects here: each client is created on first use,
 * so start-up costs a config parse and a logger, and a service only pays for what it touches.
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const config = loadRuntimeConfig(options.env ?? processEnv());
  const log =
    options.logger ??
    createLogger({
      service: config.service,
      stage: config.stage,
      ...(config.logLevel ? { level: config.logLevel as LevelWithSilent } : {}),
    });
  const metrics = createMetrics({
    namespace: `Berth/${config.app}`,
    dimensions: { service: config.service, stage: config.stage },
  });
  let db: Db | undefined;
  let cache: Cache | undefined;
  let mail: Mailer | undefined;
  const storages = new Map<string, Storage>();
  let s3: Promise<S3Client> | undefined;
  let closing: Promise<void> | undefined;

  const notConfigured = (what: string, variable: string) =>
    new BerthError(
      `${what} is not configured for service '${config.service}' (${variable} is not set); declare it in berth.config.ts`,
      {
        code: 'NOT_CONFIGURED',
      },
    );

  const runtime: Runtime = {
    config,
    log,
    metrics,
    get hasDatabase() {
      return config.database !== undefined;
    },
    get db(): Db {
      if (!config.database) throw notConfigured('A database', ENV.databaseSecret);
      db ??= createDb(config.database, {
        log: log.child({ component: 'db' }),
        region: config.region,
        applicationName: config.service,
        ...(config.endpoints.secretsManager
          ? { secretsManagerEndpoint: config.endpoints.secretsManager }
          : {}),
      });
      return db;
    },
    get cache(): Cache {
      cache ??= createCache(config.cache, {
        log: log.child({ component: 'cache' }),
        keyPrefix: `${config.app}:${config.stage}:`,
      });
      return cache;
    },
    get mail(): Mailer {
      if (!config.mail) throw notConfigured('Mail', ENV.mailFrom);
      mail ??= createMailer(config.mail, {
        ...(config.database ? { db: runtime.db } : {}),
        log: log.child({ component: 'mail' }),
        region: config.region,
        ...(config.endpoints.sesv2 ? { endpoint: config.endpoints.sesv2 } : {}),
        ...(config.endpoints.sqs ? { sqsEndpoint: config.endpoints.sqs } : {}),
      });
      return mail;
    },
    storage(bucket: string): Storage {
      const logical = bucket.toLowerCase().replace(/_/g, '-');
      const real = config.buckets[logical];
      if (!real) {
        const known = Object.keys(config.buckets);
        throw notConfigured(
          `Bucket '${bucket}'${known.length ? ` (known: ${known.join(', ')})` : ''}`,
          bucketEnv(bucket),
        );
      }
      let s = storages.get(logical);
      if (!s) {
        const endpoint = config.endpoints.s3;
        s = createStorage(real, {
          region: config.region,
          log: log.child({ component: 'storage', bucket: logical }),
          // One S3 client (one connection pool) for every bucket, created on the first S3 call, not here.
          getClient: () =>
            (s3 ??= createS3Client({ region: config.region, ...(endpoint ? { endpoint } : {}) })),
        });
        storages.set(logical, s);
      }
      return s;
    },
    close() {
      closing ??= (async () => {
        // The mail-events drain first: it may be committing to the database it uses.
        await mail?.close();
        const results = await Promise.allSettled([db?.close(), cache?.close()]);
        for (const r of results)
          if (r.status === 'rejected')
            log.warn({ err: { message: (r.reason as Error)?.message } }, 'runtime: close failed');
        metrics.close();
        log.flush?.();
      })();
      return closing;
    },
  };
  return runtime;
}
