/**
 * What an importer found, and the TypeScript it writes: a plain value (the config) with comments placed by path —
 * inside an object (a setting that could not be mapped there) or above one of its keys (how a value was mapped).
 */

export type Path = readonly string[];

export interface ReportEntry {
  /** The source file, relative to the workspace, e.g. `copilot/api/manifest.yml`. */
  readonly file: string;
  /** The source field, e.g. `http.healthcheck.interval`. */
  readonly field: string;
  /** Where it went in berth.config.ts, e.g. `services.api.health`. */
  readonly to?: string;
  /** Why it was not mapped. */
  readonly notMapped?: string;
}

export interface Comment {
  readonly at: Path;
  readonly text: string;
  /** Above the key at `at` (true), or first in the object at `at` (false). */
  readonly above: boolean;
}

export class Notes {
  readonly report: ReportEntry[] = [];
  readonly comments: Comment[] = [];

  mapped(file: string, field: string, to: Path): void {
    this.report.push({ file, field, to: to.join('.') });
  }

  /** A `// not mapped: <field> (<file>): <why>` comment in the object at `at`. */
  notMapped(file: string, field: string, why: string, at: Path): void {
    this.report.push({ file, field, notMapped: why });
    this.comments.push({ at, text: `not mapped: ${field} (${file}): ${why}`, above: false });
  }

  /** A comment above the key at `at`. */
  note(at: Path, text: string): void {
    this.comments.push({ at, text, above: true });
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : quote(k);
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The path itself when the value has it, else its nearest ancestor that is an object. */
function place(value: unknown, c: Comment): Comment {
  let node: unknown = value;
  const found: string[] = [];
  for (const k of c.at) {
    if (!isObject(node) || !(k in node)) return { ...c, at: found, above: false };
    node = node[k];
    found.push(k);
  }
  if (!c.above && !isObject(node)) return { ...c, at: found, above: true };
  return c;
}

function commentLines(text: string, pad: string): string[] {
  return text.split('\n').map((line) => `${pad}// ${line}`);
}

/** The value as a TypeScript expression, with the comments at their paths. */
export function render(value: unknown, comments: readonly Comment[]): string {
  const placed = comments.map((c) => place(value, c));
  const at = (p: Path, above: boolean) =>
    placed.filter((c) => c.above === above && c.at.length === p.length && c.at.every((k, i) => k === p[i]));
  const seen = new Set<string>();
  const unique = (cs: Comment[]) =>
    cs.filter((c) => {
      const id = `${c.at.join('\0')}\0${c.above}\0${c.text}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });

  const walk = (v: unknown, p: Path, indent: string): string => {
    if (Array.isArray(v)) {
      const items = v.map((i) => walk(i, p, indent));
      const flat = `[${items.join(', ')}]`;
      if (flat.length < 80 && !flat.includes('\n')) return flat;
      return `[\n${items.map((i) => `${indent}  ${i},`).join('\n')}\n${indent}]`;
    }
    if (isObject(v)) {
      const inner = indent + '  ';
      const lines: string[] = [];
      for (const c of unique(at(p, false))) lines.push(...commentLines(c.text, inner));
      for (const [k, child] of Object.entries(v)) {
        if (child === undefined) continue;
        const kp = [...p, k];
        for (const c of unique(at(kp, true))) lines.push(...commentLines(c.text, inner));
        lines.push(`${inner}${key(k)}: ${walk(child, kp, inner)},`);
      }
      if (!lines.length) return '{}';
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    if (typeof v === 'string') return quote(v);
    return String(v);
  };
  return walk(value, [], '');
}
