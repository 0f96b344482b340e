import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where `berth check` keeps what cfn-lint and the guard rules found per template, so a template checked before with
 * the same tool version and rules is not checked again. A hit is exact: the key hashes the template's bytes, the
 * tool's version and its rule configuration; anything else is a miss.
 *
 * `BERTH_CACHE_DIR` when set (`off` turns the cache off); else `node_modules/.cache/berth` of the nearest folder
 * up from the working directory that has a `node_modules`; else `$XDG_CACHE_HOME/berth` or `~/.cache/berth`.
 */
export function checkCacheDir(cwd = process.cwd()): string | undefined {
  const env = process.env.BERTH_CACHE_DIR;
  if (env !== undefined && env !== '') return env === 'off' ? undefined : join(env, 'check');
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'berth', 'check');
    if (dirname(dir) === dir) break;
  }
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'berth', 'check');
}

/** sha256 over the parts, each length-prefixed so no two lists of parts hash alike. */
export function cacheKey(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest('hex');
}

export function readCached<T>(dir: string | undefined, tool: string, key: string): T | undefined {
  if (!dir) return undefined;
  try {
    return (JSON.parse(readFileSync(join(dir, `${tool}-${key}.json`), 'utf8')) as { value: T }).value;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a concurrent reader sees a whole entry or none. */
export function writeCached(dir: string | undefined, tool: string, key: string, value: unknown): void {
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${tool}-${key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ value }));
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next run its time.
  }
}
