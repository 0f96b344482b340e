import type { Db } from './db';
import type { Logger } from './logger';

export interface MigrateResult {
  readonly applied: string[];
}

export async function migrate(_db: Db, _dir: string, _options: { log: Logger }): Promise<MigrateResult> {
  throw new Error('not implemented');
}
