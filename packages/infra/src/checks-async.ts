import type { ResolvedApp } from '@berthjs/config';
import { runCfnLintAsync, startCfnLint, type CfnLintProcess } from './cfn-lint';
import { checkCacheDir } from './check-cache';
import {
  berthFindings,
  cfnLintFindings,
  firstLine,
  guardFindings,
  nagAll,
  report,
  synthFor,
  type CheckReport,
  type RunChecksOptions,
} from './checks';
import { runGuardCached } from './guard';

/**
 * `runChecks` with the slow parts side by side, what `berth check` runs: cfn-lint (a Python process) and cfn-guard
 * (in a worker thread) start as soon as the templates are written, cdk-nag and Berth's rules run meanwhile, and both
 * tools' findings are cached per template (check-cache.ts: an exact hit on the template's bytes, the tool's version
 * and its rules). cfn-lint is started before the synthesis so Python imports it meanwhile (startCfnLint), or earlier
 * by the caller (`linter`: `berth check` starts it before it loads the config); it is ended when the check ends.
 * `seconds` gives each part's own time (they overlap) and `total`. `cacheDir: false` turns the cache off.
 */
export async function runChecksAsync(
  resolved: ResolvedApp | readonly ResolvedApp[],
  options: RunChecksOptions & {
    readonly cacheDir?: string | false;
    readonly linter?: CfnLintProcess;
  } = {},
): Promise<CheckReport> {
  const started = performance.now();
  const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? checkCacheDir());
  if (options.skipCfnLint) options.linter?.cancel();
  const linter = options.skipCfnLint ? undefined : (options.linter ?? startCfnLint());
  let run: ReturnType<typeof synthFor>;
  try {
    run = synthFor(resolved, options);
  } catch (err) {
    linter?.cancel();
    throw err;
  }
  try {
    const paths = run.templates.map((t) => t.path);
    const since = () => {
      const t0 = performance.now();
      return () => (performance.now() - t0) / 1000;
    };
    const timed = <T>(p: Promise<T>) => {
      const took = since();
      return p.then(
        (value) => ({ value, seconds: took() }),
        (error: unknown) => ({ error, seconds: took() }),
      );
    };
    const lint = options.skipCfnLint
      ? undefined
      : timed(
          runCfnLintAsync(paths, {
            ...(cacheDir ? { cacheDir } : {}),
            ...(linter ? { started: linter } : {}),
          }),
        );
    // cfn-lint is the longest part: its promise chain (cache lookup, then the templates sent to the waiting
    // interpreter) runs before the synchronous work below, not after it.
    await new Promise((next) => setImmediate(next));
    const guarded = options.skipGuard ? undefined : timed(runGuardCached(paths, cacheDir));
    const raw = nagAll(run.app);
    const nag = run.lap();
    const { quotas } = berthFindings(run, options, raw);
    const berth = run.lap();

    let guard: CheckReport['guard'] = { ran: false, reason: 'skipped (--skip-guard)' };
    const g = await guarded;
    if (g && 'value' in g) {
      raw.push(...guardFindings(g.value, run.templates));
      guard = { ran: true, ...(g.value.cached ? { cached: g.value.cached } : {}) };
    } else if (g) guard = { ran: false, reason: firstLine(g.error, 'cfn-guard failed') };
    let cfnLint: CheckReport['cfnLint'] = { ran: false, reason: 'skipped (--skip-cfn-lint)' };
    const l = await lint;
    if (l && 'value' in l && l.value.ran) {
      raw.push(...cfnLintFindings(l.value.matches, run.templates));
      cfnLint = {
        ran: true,
        version: l.value.version,
        ...(l.value.cached ? { cached: l.value.cached } : {}),
      };
    } else if (l)
      cfnLint = {
        ran: false,
        reason:
          'value' in l && !l.value.ran
            ? l.value.reason
            : firstLine((l as { error?: unknown }).error, 'cfn-lint failed'),
      };
    const total = (performance.now() - started) / 1000;
    const seconds = { synth: run.synth, nag, guard: g?.seconds ?? 0, cfnLint: l?.seconds ?? 0, berth, total };
    return report(run.list, raw, guard, cfnLint, quotas, seconds);
  } finally {
    linter?.cancel();
    run.done();
  }
}
