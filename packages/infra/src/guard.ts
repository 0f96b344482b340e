import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { cacheKey, readCached, writeCached } from './check-cache';

/**
 * The Control Tower proactive controls through cfn-guard (the binary @cdklabs/cdk-validator-cfnguard bundles).
 *
 * Each control file selects the resources of the types it names (`Resources.*[ Type == 'AWS::S3::Bucket' ]`) and is
 * skipped when the template has none, so a file naming no type the templates have can find nothing: Berth passes
 * cfn-guard only the files naming at least one of the templates' types (about 100 of the 237 for talent), and every
 * file that names none at all. cfn-guard's time is the number of files times the size of the data each is run over,
 * so the files are also grouped by the types they name and each group runs over the templates narrowed to those
 * types' resources and the resources they reference (a control that follows a `Ref` still finds its target); files
 * naming no type see whole templates. What it finds is the same as all 237 over whole templates
 * (packages/infra/test/check-fast.test.ts compares both over every example's environments); talent prod's guard
 * time falls from about 2 s to about 1 s.
 */

const requireHere = createRequire(import.meta.url);
const PACKAGE = requireHere.resolve('@cdklabs/cdk-validator-cfnguard');
const RULES = join(dirname(PACKAGE), '..', 'rules', 'control-tower', 'cfn-guard');
const TYPE = /["']((?:AWS|Custom)::[A-Za-z0-9]+(?:::[A-Za-z0-9]+)?)["']/g;

/** One violation as Berth reports it. */
export interface GuardViolation {
  readonly rule: string;
  readonly message: string;
  readonly templatePath: string;
  readonly resource: string;
}

let ruleFiles: { path: string; types: Set<string> }[] | undefined;
function allRules() {
  if (ruleFiles) return ruleFiles;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  ruleFiles = walk(RULES)
    .sort()
    .map((path) => ({
      path,
      types: new Set([...readFileSync(path, 'utf8').matchAll(TYPE)].map((m) => m[1]!)),
    }));
  return ruleFiles;
}

type Template = { Resources?: Record<string, { Type?: string }> } & Record<string, unknown>;

/** The names a value refers to: `Ref`, `Fn::GetAtt` and `${Name}`/`${Name.Attr}` in `Fn::Sub`. */
function referencesIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') into.add(v);
      else if (k === 'Fn::GetAtt') {
        const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string') into.add(target);
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string')
          for (const m of text.matchAll(/\$\{([^!}][^}.]*)/g)) into.add(m[1]!.trim());
      }
      referencesIn(v, into);
    }
  }
}

/** The template with only the resources of these types and those they reference; undefined when it has none. */
function narrowed(template: Template, types: ReadonlySet<string>): Template | undefined {
  const all = template.Resources ?? {};
  const kept = Object.keys(all).filter((id) => types.has(all[id]!.Type ?? ''));
  if (!kept.length) return undefined;
  const refs = new Set<string>(kept);
  for (const id of kept) referencesIn(all[id], refs);
  return {
    ...template,
    Resources: Object.fromEntries([...refs].filter((id) => id in all).map((id) => [id, all[id]!])),
  };
}

/** One cfn-guard run: these control files over these data files. */
interface GuardRun {
  readonly rules: string[];
  readonly data: string[];
}

/**
 * The cfn-guard runs for the templates: the control files that can find something, grouped by the types they name,
 * each group over the templates narrowed to those types (written to `dir`), and `original` mapping each data file
 * back to its template.
 */
function guardPlan(
  templatePaths: readonly string[],
  dir: string,
): { runs: GuardRun[]; original: Map<string, string> } {
  const templates = templatePaths.map((path) => ({
    path,
    body: JSON.parse(readFileSync(path, 'utf8')) as Template,
  }));
  const types = new Set(
    templates.flatMap((t) => Object.values(t.body.Resources ?? {}).flatMap((r) => r.Type ?? [])),
  );
  const groups = new Map<string, { types: Set<string>; rules: string[] }>();
  for (const rule of allRules()) {
    if (rule.types.size && ![...rule.types].some((t) => types.has(t))) continue;
    const key = [...rule.types].sort().join(' ');
    const group = groups.get(key) ?? { types: rule.types, rules: [] };
    group.rules.push(rule.path);
    groups.set(key, group);
  }
  const original = new Map(templatePaths.map((p) => [p, p]));
  const runs: GuardRun[] = [];
  let n = 0;
  for (const group of groups.values()) {
    const data: string[] = [];
    for (const t of templates) {
      if (!group.types.size) {
        data.push(t.path);
        continue;
      }
      const body = narrowed(t.body, group.types);
      if (!body) continue;
      const file = join(dir, `${n++}-${basename(t.path)}`);
      writeFileSync(file, JSON.stringify(body));
      original.set(file, t.path);
      data.push(file);
    }
    if (data.length) runs.push({ rules: group.rules, data });
  }
  return { runs, original };
}

type Report = ReturnType<CfnGuardValidator['validate']>;

function flatten(reports: readonly Report[], original: ReadonlyMap<string, string>): GuardViolation[] {
  return reports.flatMap((report) =>
    report.violations.flatMap((v) =>
      v.violatingResources.map((r) => ({
        rule: v.ruleName,
        message: v.description,
        templatePath: original.get(r.templatePath) ?? r.templatePath,
        resource: r.resourceLogicalId ?? '',
      })),
    ),
  );
}

const MAX_BUFFER = 64 * 1024 * 1024;

/** The plan, its narrowed templates in a folder of their own that `dispose` removes. */
function planned(templatePaths: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-guard-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    return { ...guardPlan(templatePaths, dir), dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/**
 * cfn-guard over the templates, in this thread: the controls that apply, grouped over narrowed templates (see
 * above), or with `all` every control over the whole templates in one run (what the grouping is compared with).
 */
export function runGuard(templatePaths: readonly string[], all = false): GuardViolation[] {
  if (all) {
    const validator = new CfnGuardValidator({ maxBuffer: MAX_BUFFER });
    const report = validator.validate({ templatePaths } as unknown as Parameters<
      CfnGuardValidator['validate']
    >[0]);
    return flatten([report], new Map());
  }
  const { runs, original, dispose } = planned(templatePaths);
  try {
    const reports = runs.map((run) =>
      new CfnGuardValidator({
        controlTowerRulesEnabled: false,
        rules: run.rules,
        maxBuffer: MAX_BUFFER,
      }).validate({
        templatePaths: run.data,
      } as unknown as Parameters<CfnGuardValidator['validate']>[0]),
    );
    return flatten(reports, original);
  } finally {
    dispose();
  }
}

/** The same in a worker thread (the validator waits on cfn-guard synchronously), so other checks run meanwhile. */
function runGuardInWorker(templatePaths: readonly string[]): Promise<GuardViolation[]> {
  const { runs, original, dispose } = planned(templatePaths);
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    try {
      const { CfnGuardValidator } = require(workerData.module);
      const reports = workerData.runs.map((run) =>
        new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: run.rules, maxBuffer: workerData.maxBuffer })
          .validate({ templatePaths: run.data }));
      parentPort.postMessage({ reports });
    } catch (err) {
      parentPort.postMessage({ error: String((err && err.message) || err) });
    }`;
  return new Promise<GuardViolation[]>((done, fail) => {
    const worker = new Worker(code, {
      eval: true,
      workerData: { module: PACKAGE, runs, maxBuffer: MAX_BUFFER },
    });
    worker.once('message', (m: { reports?: Report[]; error?: string }) => {
      void worker.terminate();
      if (m.reports) done(flatten(m.reports, original));
      else fail(new Error(m.error ?? 'cfn-guard failed'));
    });
    worker.once('error', fail);
  }).finally(dispose);
}

/** What keys a template's guard result: the bundled cfn-guard and rules (the package's version) and the bytes. */
function guardVersion(): string {
  const pkg = join(dirname(PACKAGE), '..');
  return [
    readFileSync(join(pkg, 'package.json'), 'utf8'),
    readFileSync(join(pkg, 'guard-version.json'), 'utf8'),
  ].join('\n');
}

/**
 * The guard rules over the templates off the main thread, cached per template in `cacheDir`: a template whose bytes
 * and guard package were checked before gets the violations found then.
 */
export async function runGuardCached(
  templatePaths: readonly string[],
  cacheDir: string | undefined,
): Promise<GuardViolation[] & { cached?: number }> {
  const version = guardVersion();
  const keys = new Map(templatePaths.map((t) => [t, cacheKey(['guard', version, readFileSync(t)])]));
  const out: GuardViolation[] = [];
  const misses: string[] = [];
  for (const t of templatePaths) {
    const hit = readCached<Omit<GuardViolation, 'templatePath'>[]>(cacheDir, 'guard', keys.get(t)!);
    if (hit) out.push(...hit.map((v) => ({ ...v, templatePath: t })));
    else misses.push(t);
  }
  if (misses.length) {
    const found = await runGuardInWorker(misses);
    for (const t of misses)
      writeCached(
        cacheDir,
        'guard',
        keys.get(t)!,
        found.filter((v) => v.templatePath === t).map(({ templatePath: _t, ...v }) => v),
      );
    out.push(...found);
  }
  return Object.assign(out, { cached: templatePaths.length - misses.length });
}
