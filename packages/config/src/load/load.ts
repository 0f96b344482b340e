import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register, tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors';
import { nameIssues } from '../names';
import { resolve } from '../resolve';
import type { AppConfig } from '../schema';
import type { ResolvedApp } from '../types';
import { CliError, EXIT } from './exit';

export const DEFAULT_CONFIG = 'berth.config.ts';

export interface LoadedConfig {
  /** Absolute path of the config file; relative paths inside it (dockerfile, dev.cwd) are relative to its folder. */
  readonly path: string;
  readonly dir: string;
  readonly config: AppConfig;
}

/** Set by bin/berth.js when it runs the CLI from its TypeScript sources: tsx's hooks are then already in place. */
const TSX_REGISTERED = Symbol.for('berth.tsx-registered');

/** The `type` of the package.json nearest to `dir` ("commonjs" when none says otherwise, as Node reads it). */
function packageType(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, 'package.json');
    if (existsSync(file)) {
      try {
        return (JSON.parse(readFileSync(file, 'utf8')) as { type?: string }).type ?? 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dirname(d) === d) return 'commonjs';
  }
}

/**
 * A config in an ES-module package is imported into the CLI's own module graph, so `@berthjs/config` and what it
 * loads are not loaded a second time (tsImport gives each call a graph of its own: about a quarter of a second). A
 * config in a CommonJS package, and every reload of a running `berth dev` (which must see the file as saved, and
 * what it imports), go through tsImport.
 */
async function importConfig(path: string, fresh: boolean): Promise<{ default?: unknown }> {
  if (fresh || packageType(dirname(path)) !== 'module') {
    // tsImport loads the file as TypeScript whether or not its folder's package.json says "type": "module".
    return (await tsImport(path, import.meta.url)) as { default?: unknown };
  }
  const url = pathToFileURL(path).href;
  if ((globalThis as Record<symbol, unknown>)[TSX_REGISTERED])
    return (await import(url)) as { default?: unknown };
  const unregister = register();
  try {
    return (await import(url)) as { default?: unknown };
  } finally {
    await unregister();
  }
}

/**
 * Imports berth.config.ts (TypeScript, no build step) and returns its default export. `fresh`: load the file and what
 * it imports again, as they are now (a config saved while `berth dev` runs).
 */
export async function loadConfig(
  file: string = DEFAULT_CONFIG,
  options: { readonly fresh?: boolean } = {},
): Promise<LoadedConfig> {
  const path = resolvePath(file);
  if (!existsSync(path)) {
    throw new CliError(
      `No config at ${file}. Pass --config <path>, or run 'berth init' to create one.`,
      EXIT.invalid,
    );
  }
  let mod: { default?: unknown };
  try {
    mod = await importConfig(path, options.fresh ?? false);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.invalid, { cause: err });
    throw new CliError(`Could not load ${file}: ${(err as Error).message}`, EXIT.invalid, { cause: err });
  }
  // A config compiled as CommonJS arrives wrapped once more: { default: { default: config } }.
  const inner = mod.default as { default?: unknown; name?: unknown } | undefined;
  if (
    inner &&
    typeof inner === 'object' &&
    inner.name === undefined &&
    inner.default &&
    typeof inner.default === 'object'
  ) {
    mod = { default: inner.default };
  }
  if (!mod.default || typeof mod.default !== 'object') {
    throw new CliError(`${file} must 'export default defineApp({ ... })'.`, EXIT.invalid);
  }
  return { path, dir: resolvePath(path, '..'), config: mod.default as AppConfig };
}

/** Resolves one environment, turning a ConfigError into exit code 2 with the list of problems. */
export function resolveStage(loaded: LoadedConfig, stage: string): ResolvedApp {
  try {
    const resolved = resolve(loaded.config, stage);
    // Physical names AWS would refuse (too long, a character it does not allow) fail here, not at deploy time.
    const names = nameIssues(resolved);
    if (names.length) throw new ConfigError(names, stage);
    return resolved;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.invalid, { cause: err });
    throw err;
  }
}

/** Loads and resolves in one step: what most commands start with. */
export async function loadStage(
  file: string | undefined,
  stage: string,
): Promise<{ loaded: LoadedConfig; resolved: ResolvedApp }> {
  const loaded = await loadConfig(file);
  return { loaded, resolved: resolveStage(loaded, stage) };
}
