import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { cacheKey, readCached, writeCached } from './check-cache';

/**
 * The Control Tower proactive controls through cfn-guard (the binary @cdklabs/cdk-validator-cfnguard bundles).
 *
 * Each control file selects the resources of the types it names (`Resources.*[ Type == 'AWS::S3::Bucket' ]`) and is
 * skipped when the template has none, so a file naming no type the templates have can find nothing: Berth passes
 * cfn-guard only the files naming at least one of the templates' types (about 100 of the 237 for talent), and every
 * file that names none at all. cfn-guard's time grows with the number of files, so this halves it; what it finds is
 * the same (packages/infra/test/check-fast.test.ts compares both over talent's environments).
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

/** The control files that can find something in templates with these resource types. */
export function guardRulesFor(types: ReadonlySet<string>): string[] {
  return allRules()
    .filter((r) => r.types.size === 0 || [...r.types].some((t) => types.has(t)))
    .map((r) => r.path);
}

function typesOf(templatePaths: readonly string[]): Set<string> {
  const types = new Set<string>();
  for (const p of templatePaths) {
    const t = JSON.parse(readFileSync(p, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
    for (const r of Object.values(t.Resources ?? {})) if (r.Type) types.add(r.Type);
  }
  return types;
}

type Report = ReturnType<CfnGuardValidator['validate']>;

function flatten(report: Report): GuardViolation[] {
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      message: v.description,
      templatePath: r.templatePath,
      resource: r.resourceLogicalId ?? '',
    })),
  );
}

const MAX_BUFFER = 64 * 1024 * 1024;

/** cfn-guard over the templates with the rules that apply (or every rule, `all`), in this thread. */
export function runGuard(templatePaths: readonly string[], all = false): GuardViolation[] {
  const validator = all
    ? new CfnGuardValidator({ maxBuffer: MAX_BUFFER })
    : new CfnGuardValidator({
        controlTowerRulesEnabled: false,
        rules: guardRulesFor(typesOf(templatePaths)),
        maxBuffer: MAX_BUFFER,
      });
  return flatten(
    validator.validate({ templatePaths } as unknown as Parameters<CfnGuardValidator['validate']>[0]),
  );
}

/** The same in a worker thread (the validator waits on cfn-guard synchronously), so other checks run meanwhile. */
function runGuardInWorker(templatePaths: readonly string[]): Promise<GuardViolation[]> {
  const rules = guardRulesFor(typesOf(templatePaths));
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    try {
      const { CfnGuardValidator } = require(workerData.module);
      const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: workerData.rules, maxBuffer: workerData.maxBuffer });
      parentPort.postMessage({ report: validator.validate({ templatePaths: workerData.templatePaths }) });
    } catch (err) {
      parentPort.postMessage({ error: String((err && err.message) || err) });
    }`;
  return new Promise((done, fail) => {
    const worker = new Worker(code, {
      eval: true,
      workerData: { module: PACKAGE, rules, templatePaths: [...templatePaths], maxBuffer: MAX_BUFFER },
    });
    worker.once('message', (m: { report?: Report; error?: string }) => {
      void worker.terminate();
      if (m.report) done(flatten(m.report));
      else fail(new Error(m.error ?? 'cfn-guard failed'));
    });
    worker.once('error', fail);
  });
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
