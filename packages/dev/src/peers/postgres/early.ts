import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEarly, type EarlyPostgres } from './postgres';
import { claimState, readPorts } from '../../session/state';

/**
 * Before `berth dev` has read the config: when the state folder holds a cluster from an earlier run (and no
 * DATABASE_URL replaces it), that cluster's server starts now, on the last run's port, so that PostgreSQL's own
 * start-up overlaps loading the CLI and the config. The folder is claimed first (another live `berth dev` on it is
 * refused, and what a killed run left is stopped). The session adopts the server, or stops it when the config no
 * longer has a database.
 */
export function startPostgresEarly(
  stateDir: string,
  env: Readonly<Record<string, string | undefined>>,
): EarlyPostgres | undefined {
  if (env.DATABASE_URL) return undefined;
  const dir = join(stateDir, 'postgres');
  // Only a cluster an earlier run created: initdb waits for the config (and its messages).
  if (!existsSync(join(dir, 'data', 'PG_VERSION'))) return undefined;
  const port = readPorts(stateDir).postgres;
  if (!port) return undefined;
  claimState(stateDir);
  return startEarly(dir, port);
}
