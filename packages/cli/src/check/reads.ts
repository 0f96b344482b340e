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
/** `const { DATABASE_URL, PORT: port, LOG = 'info' } = process.env` (over several lines too): the braces' text. */
const JS_DESTRUCTURE = /\{([^{}]*)\}\s*=\s*process\.env\b/g;

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
    const text = readFileSync(path, 'utf8');
    const lineAt = (index: number) => text.slice(0, index).split('\n').length;
    const found: EnvRead[] = [];
    for (const pattern of READS[language]!)
      for (const m of text.matchAll(pattern))
        found.push({ name: m[1]!, file: relative(configDir, path), line: lineAt(m.index) });
    if (language === 'js')
      for (const m of text.matchAll(JS_DESTRUCTURE)) {
        let offset = m.index + 1;
        for (const part of m[1]!.split(',')) {
          const name = /^\s*([A-Z_][A-Z0-9_]*)\s*(?::|=|$)/.exec(part)?.[1];
          if (name)
            found.push({ name, file: relative(configDir, path), line: lineAt(offset + part.search(/\S/)) });
          offset += part.length + 1;
        }
      }
    out.push(...found.sort((a, b) => a.line - b.line));
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
    if (given.some((g) => g)) continue;
    const jobs = Object.values(resolved.jobs)
      .filter((j) => services.includes(j.service))
      .map((j) => j.name);
    if (given.some((g) => g === undefined)) {
      // Not a contract name, and no env or secret of the config gives it.
      const finding = unknownRead(resolved, read, services, jobs);
      if (finding) findings.push(finding);
      continue;
    }
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

/**
 * Names a store's client reads by convention, which Berth gives under its contract's names instead: code reading them
 * gets nothing on AWS (and, with a default, silently talks to localhost).
 */
const STORE_NAMES: readonly { pattern: RegExp; store: string; instead: string }[] = [
  {
    pattern:
      /^(DATABASE|DB|POSTGRES|POSTGRESQL|PG|RDS|SQL)_(URL|URI|DSN|HOST|HOSTNAME|PORT|NAME|USER|USERNAME|PASS|PASSWORD|DB|DATABASE)$|^POSTGRES_(USER|PASSWORD|DB)$/,
    store: 'database',
    instead:
      'PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD and PGSSLMODE (libpq reads them as they are), or the JSON secret in DATABASE_SECRET',
  },
  {
    pattern: /^(REDIS|VALKEY|CACHE|MEMCACHED|ELASTICACHE)(_TLS)?_(URL|URI|HOST|PORT|PASSWORD|ENDPOINT)$/,
    store: 'cache',
    instead: 'CACHE_URL (redis:// or rediss:// with its AUTH token, for any client as is)',
  },
  {
    pattern: /^(AWS_)?(S3_BUCKET|S3_BUCKET_NAME|BUCKET|BUCKET_NAME|STORAGE_BUCKET)$/,
    store: 'buckets',
    instead: 'BUCKET_<NAME> for each bucket the service uses',
  },
  {
    pattern: /^(SMTP|EMAIL|MAILER|SES)_(URL|HOST|PORT|USER|USERNAME|PASS|PASSWORD|FROM|SENDER)$/,
    store: 'mail',
    instead:
      'MAIL_FROM and MAIL_CONFIGURATION_SET (mail goes through SES with the task role, no SMTP credentials)',
  },
];

/**
 * Names the platform sets or only a developer sets (the process's own, the container's, the AWS SDK's): reading
 * them is not reading the contract.
 */
const AMBIENT =
  /^(NODE_ENV|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|PATH|HOME|HOSTNAME|PWD|USER|SHELL|TERM|TZ|LANG|LC_[A-Z]+|TMPDIR|TEMP|TMP|CI|DEBUG|FORCE_COLOR|NO_COLOR|PYTHON[A-Z_]*|VIRTUAL_ENV|WEB_CONCURRENCY|ECS_[A-Z0-9_]+|AWS_[A-Z0-9_]+|_X_AMZN_TRACE_ID|OTEL_[A-Z0-9_]+|BERTH_[A-Z0-9_]+|npm_[a-z_]+|VITEST[A-Z_]*|JEST_WORKER_ID)$/;

function unknownRead(
  resolved: ResolvedApp,
  read: EnvRead,
  services: readonly string[],
  jobs: readonly string[],
): Finding | undefined {
  const whom = `${services.map((s) => `service '${s}'`).join(' or ')}${jobs.length ? ` (nor its jobs ${jobs.join(', ')})` : ''}`;
  const base = {
    source: 'Berth' as const,
    rule: READS_RULE,
    stage: resolved.stage,
    resource: services.map((s) => `services.${s}`).join(', '),
    path: `${read.file}:${read.line}`,
  };
  const store = STORE_NAMES.find((s) => s.pattern.test(read.name));
  if (store) {
    const declared =
      store.store === 'buckets'
        ? Object.keys(resolved.buckets).length > 0
        : resolved[store.store as 'database' | 'cache' | 'mail'] !== null;
    return {
      ...base,
      severity: 'error',
      message: `reads ${read.name}, which nothing gives ${whom}: Berth's contract gives the ${store.store === 'buckets' ? 'bucket' : store.store} as ${store.instead}${declared ? '' : `, and the app declares no ${store.store}`}`,
      fix: declared
        ? `read ${store.instead.split(' (')[0]} instead of ${read.name} (docs/runtime.md, the contract table), or give ${read.name} in services.<name>.env`
        : `declare ${store.store} in berth.config.ts and read ${store.instead.split(' (')[0]}, or stop reading ${read.name}`,
    };
  }
  if (AMBIENT.test(read.name)) return undefined;
  return {
    ...base,
    severity: 'warning',
    message: `reads ${read.name}, which nothing gives ${whom} (not its contract, env or secrets): on AWS it is unset`,
    fix: `give it in services.<name>.env (or secrets, for a credential) in berth.config.ts, or stop reading ${read.name}`,
  };
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
