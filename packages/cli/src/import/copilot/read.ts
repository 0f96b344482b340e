import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { CliError, EXIT } from '@berthjs/config/load';

/** A YAML map as plain values; CloudFormation short tags become their long form (`!Ref x` → `{ Ref: 'x' }`). */
export type YamlMap = Record<string, unknown>;

export interface Manifest {
  /** Path shown to the user, relative to the workspace root, e.g. `copilot/api/manifest.yml`. */
  readonly file: string;
  /** The folder's name (the workload or environment name). */
  readonly name: string;
  readonly body: YamlMap;
}

export interface Addon {
  readonly file: string;
  /** The workload the addon belongs to, or undefined for an environment addon. */
  readonly owner: string | undefined;
  readonly body: YamlMap;
}

export interface Workspace {
  /** The folder holding `copilot/`: paths in manifests are relative to it. */
  readonly root: string;
  readonly app: string | undefined;
  readonly workloads: readonly Manifest[];
  readonly environments: readonly Manifest[];
  readonly addons: readonly Addon[];
  /** Folders under copilot/ that hold something other than a workload or environment (pipelines). */
  readonly skipped: readonly string[];
}

/** The copilot/ folder from the command's argument: the folder itself, or a folder that holds one. */
export function findCopilotDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new CliError(`no Copilot workspace at ${dir}: the folder does not exist`, EXIT.invalid);
  if (!existsSync(join(abs, '.workspace')) && existsSync(join(abs, 'copilot', '.workspace')))
    return join(abs, 'copilot');
  return abs;
}

export function readWorkspace(copilotDir: string): Workspace {
  const root = dirname(copilotDir);
  const show = (p: string) => relative(root, p) || p;
  const wsFile = join(copilotDir, '.workspace');
  const hasWorkloads = readdirSync(copilotDir).some((d) => existsSync(join(copilotDir, d, 'manifest.yml')));
  if (!existsSync(wsFile) && !hasWorkloads)
    throw new CliError(
      `${show(copilotDir)} is not a Copilot workspace: no .workspace and no <service>/manifest.yml in it`,
      EXIT.invalid,
    );
  const ws = existsSync(wsFile) ? parseYamlFile(wsFile, show(wsFile)) : {};
  const app = typeof ws['application'] === 'string' ? ws['application'] : undefined;

  const workloads: Manifest[] = [];
  const environments: Manifest[] = [];
  const addons: Addon[] = [];
  const skipped: string[] = [];
  for (const entry of readdirSync(copilotDir).sort()) {
    const folder = join(copilotDir, entry);
    if (entry.startsWith('.') || !statSync(folder).isDirectory()) continue;
    if (entry === 'environments') {
      for (const env of readdirSync(folder).sort()) {
        const file = join(folder, env, 'manifest.yml');
        if (env === 'addons') addons.push(...readAddons(join(folder, env), undefined, show));
        else if (existsSync(file))
          environments.push({ file: show(file), name: env, body: parseYamlFile(file, show(file)) });
      }
      continue;
    }
    const file = join(folder, 'manifest.yml');
    if (entry === 'pipelines' || !existsSync(file)) {
      skipped.push(show(folder));
      continue;
    }
    workloads.push({ file: show(file), name: entry, body: parseYamlFile(file, show(file)) });
    addons.push(...readAddons(join(folder, 'addons'), entry, show));
  }
  return { root, app, workloads, environments, addons, skipped };
}

function readAddons(dir: string, owner: string | undefined, show: (p: string) => string): Addon[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !/^addons\.parameters\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      return { file: show(file), owner, body: parseYamlFile(file, show(file)) };
    });
}

/** Parses one YAML file; a syntax error is exit 2 naming the file, line and column. */
export function parseYamlFile(path: string, display: string = basename(path)): YamlMap {
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `${display}:${pos.line}:${pos.col}` : display;
    throw new CliError(
      `${where}: cannot parse this YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      EXIT.invalid,
    );
  }
  const value = toValue(doc.contents, doc);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new CliError(`${display}:1: expected a YAML map at the top`, EXIT.invalid);
  return value as YamlMap;
}

/** Plain values from the document, keeping CloudFormation's short-form tags as their long form. */
function toValue(node: Node | null | undefined, doc: Document): unknown {
  if (!node) return null;
  if (isAlias(node)) return toValue(node.resolve(doc) as Node, doc);
  let value: unknown;
  if (isScalar(node)) value = node.value;
  else if (isSeq(node)) value = node.items.map((i) => toValue(i as Node, doc));
  else if (isMap(node)) {
    const out: YamlMap = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      out[key] = toValue(pair.value as Node, doc);
    }
    value = out;
  }
  const tag = node.tag;
  if (tag && tag.startsWith('!') && !tag.startsWith('!!')) {
    const fn = tag.slice(1);
    return fn === 'Ref'
      ? { Ref: value }
      : fn === 'Condition'
        ? { Condition: value }
        : { [`Fn::${fn}`]: value };
  }
  return value;
}
