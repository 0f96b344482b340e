import type pg from 'pg';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DatabaseConfig } from './config';
import type { Logger } from './logger';

export type QueryResult<T> = pg.QueryResult<T & pg.QueryResultRow>;

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface DbStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly generation: number;
  readonly rotations: number;
}

export interface Db extends Queryable {
  readonly write: Queryable;
  /** The read replica when DATABASE_READ_HOST is set, else the writer. */
  readonly read: Queryable;
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  stats(): DbStats;
}

export interface DbOptions {
  readonly log: Logger;
  /** Used to re-read the secret after a rotation. @default - created lazily when secretArn is set */
  readonly secretsManager?: SecretsManagerClient;
  /** @default 10 */
  readonly poolSize?: number;
  /** @default 10000 */
  readonly statementTimeoutMs?: number;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
}

export function createDb(_config: DatabaseConfig, _options: DbOptions): Db {
  throw new Error('not implemented');
}
