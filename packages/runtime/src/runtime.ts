import type { RuntimeConfig } from './config';
import type { Logger } from './logger';
import type { Db } from './db';
import type { Cache } from './cache';
import type { Storage } from './storage';
import type { Mailer } from './mail';
import type { Metrics } from './metrics';

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly log: Logger;
  /** Throws if the app has no database. */
  readonly db: Db;
  readonly cache: Cache;
  storage(bucket: string): Storage;
  /** Throws if the service has no mail. */
  readonly mail: Mailer;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export function createRuntime(_options: RuntimeOptions = {}): Runtime {
  throw new Error('not implemented');
}
