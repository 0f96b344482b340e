import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { ConfigError, nameIssues, resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from './errors';

export const DEFAULT_CONFIG = 'berth.config.ts';

export interface LoadedConfig {
  /** Absolute path of the config file; relative paths inside it (dockerfile, dev.cwd) are relative to its folder. */
  readonly path: string;
  readonly dir: string;
  readonly config: AppConfig;
}

/** Imports berth.config.ts (TypeScript, no build step) and returns its default export. */
export async function loadConfig(file: string = DEFAULT_CONFIG): Promise<LoadedConfig> {
  const path = resolvePath(file);
  if (!existsSync(path)) {
    throw new CliError(
      `No config at ${file}. Pass --config <path>, or run 'berth init' to create one.`,
      EXIT.invalid,
    );
  }
  let mod: { default?: unknown };
  try {
    // tsImport loads the file as TypeScript whether or not its folder's package.json says "type": "module".
    mod = (await tsImport(path, import.meta.url)) as { default?: unknown };
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
