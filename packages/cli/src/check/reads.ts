import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve as resolvePath } from 'node:path';
import { contractGives, type ResolvedApp } from '@berthjs/config';
import type { Finding } from '@berthjs/infra';

/** The rule id of a finding about code reading a contract name its config does not give it. */
export const READS_RULE = 'Berth-ReadsOnlyItsContract';

/** Environment reads in source, by language: the name is the first group. */
const READS: Readonly<Record<string, readonly RegExp[]>> = {
  python: [
    // os.environ["X"], os.environ.get("X"), environ["X"] (from os import environ), os.getenv("X")
    /\benviron(?:\.get\(|\[)\s*["']([A-Z_][A-Z0-9_]*)["']/g,
    /\bgetenv\(\s*["']([A-Z_][A-Z0-9_]*)["']/g,
  ],
  js: [/\bprocess\.env\.([A-Z_][A-Z0-9_]*)\b/g, /\bprocess\.env\[\s*["'`]([A-Z_][A-Z0-9_]*)["'`]\s*\]/g],
};
const LANGUAGE: Readonly<Record<string, string>> = {
  '.py': 'python',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.ts': 'js',
  '.mts': 'js',
  '.tsx': 'js',
};
/** Folders that are not the service's own code (dependencies, state, build output) and test files. */
const SKIP_DIR =
  /^(node_modules|\.git|\.berth|\.venv|venv|__pycache__|dist|build|coverage|cdk\.out|test|tests)$/;
const SKIP_FILE = /\.(test|spec)\.[cm]?[jt]sx?$|^test_.*\.py$|_test\.py$/;

export interface EnvRead {
  readonly name: string;
  /** Relative to the config's folder. */
  readonly file: string;
  readonly line: number;
}

/** Every environment read in the source files under `dirs` (each file once). */
export function scanReads(configDir: string, dirs: readonly string[]): EnvRead[] {
  const seen = new Set<string>();
  const out: EnvRead[] = [];
  const visit = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (!SKIP_DIR.test(entry)) visit(join(path, entry));
      }
      return;
    }
    const language = LANGUAGE[extname(path)];
    if (!language || SKIP_FILE.test(path.split(/[\\/]/).pop()!) || seen.has(path) || stat.size > 1_000_000)
      return;
    seen.add(path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const pattern of READS[language]!)
        for (const m of text.matchAll(pattern))
          out.push({ name: m[1]!, file: relative(configDir, path), line: i + 1 });
    });
  };
  for (const dir of dirs) visit(resolvePath(configDir, dir));
  return out;
}

/**
 * A finding for each contract name a service's code reads that the config does not give it: the code of a service is
 * what its `dev.watch` folders (default `dev.cwd`) hold, and its jobs run that code with its env. A file shared by
 * several services is fine when any of them is given the name. Services without a `dev` block have no known source.
 */
export function contractReadFindings(resolved: ResolvedApp, configDir: string): Finding[] {
  const byFile = new Map<string, { reads: EnvRead[]; services: string[] }>();
  for (const service of Object.values(resolved.services)) {
    if (!service.dev) continue;
    for (const read of scanReads(configDir, service.dev.watch)) {
      const key = `${read.file}:${read.line}:${read.name}`;
      const entry = byFile.get(key) ?? { reads: [read], services: [] };
      if (!entry.services.includes(service.name)) entry.services.push(service.name);
      byFile.set(key, entry);
    }
  }
  const findings: Finding[] = [];
  for (const { reads, services } of byFile.values()) {
    const read = reads[0]!;
    const given = services.map((s) => contractGives(resolved, s, read.name));
    if (given.some((g) => g === undefined || g)) continue;
    const jobs = Object.values(resolved.jobs)
      .filter((j) => services.includes(j.service))
      .map((j) => j.name);
    findings.push({
      source: 'Berth',
      rule: READS_RULE,
      stage: resolved.stage,
      resource: services.map((s) => `services.${s}`).join(', '),
      path: `${read.file}:${read.line}`,
      severity: 'error',
      message: `reads ${read.name}, which the config does not give ${services.map((s) => `service '${s}'`).join(' or ')}${jobs.length ? ` (nor its jobs ${jobs.join(', ')})` : ''}: ${why(read.name)}`,
      fix: fixFor(read.name),
    });
  }
  return findings;
}

function why(name: string): string {
  if (name.startsWith('BUCKET_')) return 'no bucket of that name is declared and used by the service';
  if (/^(PG|DATABASE_)/.test(name))
    return 'the app declares no database, or the service has uses.database: false';
  if (name.startsWith('CACHE_')) return 'the app declares no cache, or the service has uses.cache: false';
  if (name.startsWith('MAIL_')) return 'the app declares no mail, or the service has uses.mail: false';
  if (name.startsWith('AUTH_')) return 'the app declares no auth';
  return 'it is not part of its contract';
}

function fixFor(name: string): string {
  if (name.startsWith('BUCKET_'))
    return `declare buckets: { ${name.slice(7).toLowerCase().replace(/_/g, '-')}: {} } (and list it in the service's uses.buckets if it has one), or stop reading ${name}`;
  return `declare the section ${name} comes from in berth.config.ts (see docs/runtime.md, the contract table), or stop reading it`;
}
