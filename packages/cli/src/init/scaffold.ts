import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from '../errors';

/** Where the files `berth init` writes live; `dot-x` becomes `.x` (npm would drop dotfiles from a package). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface ScaffoldOptions {
  /** App name: lower-case letters, digits and dashes. @default - the folder's name, cleaned */
  readonly name?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Overwrite files that exist. @default false */
  readonly force?: boolean;
}

export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  readonly files: readonly string[];
}

/** Writes a new Berth project into `dir`; refuses, writing nothing, when any file exists and `force` is not set. */
export function scaffold(dir: string, options: ScaffoldOptions = {}): ScaffoldResult {
  const root = resolvePath(dir);
  const name = options.name ?? appNameFrom(basename(root));
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) {
    throw new CliError(
      `App name '${name}': use lower-case letters, digits and dashes, starting with a letter (pass --name).`,
      EXIT.invalid,
    );
  }
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new CliError(`Region '${region}' does not look like an AWS region (e.g. us-east-1)`, EXIT.invalid);
  const templates = listFiles(TEMPLATES_DIR).map((source) => ({
    source,
    target: join(root, targetPath(relative(TEMPLATES_DIR, source))),
  }));
  const existing = templates.filter((t) => existsSync(t.target)).map((t) => relative(root, t.target));
  if (existing.length && !options.force) {
    throw new CliError(
      `berth init would overwrite ${existing.join(', ')} in ${root}. Move them away, or pass --force to overwrite.`,
      EXIT.failed,
    );
  }
  for (const t of templates) {
    mkdirSync(dirname(t.target), { recursive: true });
    const text = readFileSync(t.source, 'utf8').replaceAll('{{name}}', name).replaceAll('{{region}}', region);
    writeFileSync(t.target, text);
  }
  return { dir: root, name, files: templates.map((t) => relative(root, t.target)).sort() };
}

/** `My Shop_API` → `my-shop-api`. */
export function appNameFrom(folder: string): string {
  const cleaned = folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40);
  return cleaned || 'app';
}

function targetPath(templatePath: string): string {
  return templatePath
    .split(/[\\/]/)
    .map((part) => (part.startsWith('dot-') ? `.${part.slice(4)}` : part))
    .join('/');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .sort();
}
