import type { z } from 'zod';
import type { ConfigIssue } from '../errors';
import { fromZod } from '../issues';
import { appSchema } from '../schema';
import type { Parsed } from './context';

/** What the config declares by name, read from the raw input so that an entry that failed the schema still counts. */
export interface DeclaredNames {
  readonly services: readonly string[];
  readonly jobs: readonly string[];
  readonly buckets: readonly string[];
  readonly environments: readonly string[];
  /** Top-level sections present in the input, parsed or not. */
  readonly sections: ReadonlySet<string>;
}

export interface Salvaged {
  /** The schema's problems with the config as given. */
  readonly issues: readonly ConfigIssue[];
  /** The config with every value the schema refused removed, so that the semantic rules can still run. */
  readonly data?: Parsed;
  /** Dotted paths removed; a semantic problem at or under one of them is a consequence, not a finding. */
  readonly pruned: readonly string[];
  readonly declared: DeclaredNames;
}

/** Removing a value can make its parent invalid (a required key); a few rounds reach a config that parses. */
const MAX_ROUNDS = 8;

/** Required root keys get a stand-in instead of removal, so one bad value does not end the whole check. */
const ROOT_STAND_INS: Readonly<Record<string, unknown>> = { name: 'app', services: {} };

/**
 * Parses the config; where the schema refuses a value, reports it and removes it (the default then applies), so the
 * semantic layer still checks everything else: a type error in one section does not hide a rule broken in another.
 */
export function salvage(input: unknown): Salvaged {
  const declared = declaredNames(input);
  const first = appSchema.safeParse(input);
  if (first.success) return { issues: [], data: first.data, pruned: [], declared };
  const issues = fromZod(first.error, input, appSchema);
  const current = copy(input);
  const pruned: string[] = [];
  let error: z.ZodError = first.error;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const issue of error.issues) {
      if (!prune(current, issue, pruned)) return { issues, pruned, declared };
    }
    const next = appSchema.safeParse(current);
    if (next.success) return { issues, data: next.data, pruned, declared };
    error = next.error;
  }
  return { issues, pruned, declared };
}

/** Whether a semantic problem stands on its own, rather than following from a value the schema refused. */
export function isIndependent(issue: ConfigIssue, pruned: readonly string[]): boolean {
  return !pruned.some((p) => issue.path === p || issue.path.startsWith(`${p}.`));
}

type Issue = z.ZodError['issues'][number];

/** Removes what one issue refers to; false when the config cannot be salvaged (no object at the root). */
function prune(root: unknown, issue: Issue, pruned: string[]): boolean {
  if (!isObject(root)) return false;
  if (issue.code === 'unrecognized_keys') {
    const holder = at(root, issue.path);
    if (isObject(holder)) for (const key of issue.keys) remove(root, [...issue.path, key], pruned);
    return true;
  }
  let path = issue.path;
  // A required value that is missing: its parent cannot stand without it.
  while (path.length > 0 && at(root, path) === undefined) path = path.slice(0, -1);
  if (path.length === 0) return false;
  const key = String(path[0]);
  if (path.length === 1 && key in ROOT_STAND_INS) {
    root[key] = copy(ROOT_STAND_INS[key]);
    pruned.push(key);
    return true;
  }
  remove(root, path, pruned);
  return true;
}

function remove(root: Record<string, unknown>, path: readonly PropertyKey[], pruned: string[]): void {
  // An array loses itself rather than one element: removing elements would shift the indices later issues name.
  const target = Array.isArray(at(root, path.slice(0, -1))) ? path.slice(0, -1) : path;
  const holder = at(root, target.slice(0, -1));
  if (isObject(holder)) delete holder[target[target.length - 1] as string];
  pruned.push(target.map(String).join('.'));
}

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

function declaredNames(input: unknown): DeclaredNames {
  const root = isObject(input) ? input : {};
  const keys = (v: unknown) => (isObject(v) ? Object.keys(v) : []);
  return {
    services: keys(root.services),
    jobs: keys(root.jobs),
    buckets: keys(root.buckets),
    environments: keys(root.environments),
    sections: new Set(Object.keys(root).filter((k) => root[k] !== undefined)),
  };
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
