import { spawnSync } from 'node:child_process';
import type { Stack } from 'aws-cdk-lib';

/**
 * cfn-lint (https://github.com/aws-cloudformation/cfn-lint), AWS's CloudFormation linter: every property checked
 * against the CloudFormation registry schemas of the template's region, plus AWS's own rules (engine versions RDS
 * still creates, properties RDS rejects together, unused parameters…). Berth runs the `cfn-lint` on PATH, when there
 * is one, over all templates in one process, because its start-up is most of its time.
 */
export interface CfnLintMatch {
  /** cfn-lint's rule id: `E3020`, `W3691`. */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  /** The template file the match is in. */
  readonly file: string;
  /** Logical id of the resource, or the template section (`Parameters/ImageTag`) when it is not a resource. */
  readonly resource: string;
  readonly message: string;
}

export type CfnLintRun =
  | { readonly ran: true; readonly version: string; readonly matches: readonly CfnLintMatch[] }
  | { readonly ran: false; readonly reason: string };

/** How to install cfn-lint, printed when it is absent. */
export const CFN_LINT_INSTALL = 'pip install cfn-lint';

interface RawMatch {
  Rule: { Id: string };
  Level: string;
  Filename: string;
  Message: string;
  Location: { Path?: (string | number)[] | null };
}

/**
 * Lints the templates in one cfn-lint process and returns its errors and warnings (informational matches are
 * dropped). Each template is linted in its own region through the `cfn-lint` metadata `lintRegionOf` writes.
 * Returns `ran: false` with the reason when cfn-lint is not installed or fails itself.
 */
export function runCfnLint(templates: readonly string[], command = 'cfn-lint'): CfnLintRun {
  const version = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return {
      ran: false,
      reason: `cfn-lint is not installed (${CFN_LINT_INSTALL} puts it on PATH)`,
    };
  }
  if (!templates.length) return { ran: true, version: version.stdout.trim(), matches: [] };
  const run = spawnSync(command, ['--format', 'json', '--', ...templates], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 (or anything else) means cfn-lint failed.
  if (run.error || run.status === null || (run.status & 1) === 1 || run.status > 14) {
    const detail = (run.stderr || run.error?.message || '').trim().split('\n')[0] ?? '';
    return { ran: false, reason: `cfn-lint failed (exit ${run.status ?? 'signal'}): ${detail}` };
  }
  const raw = JSON.parse(run.stdout || '[]') as RawMatch[];
  const matches: CfnLintMatch[] = [];
  for (const m of raw) {
    const level = m.Level.toLowerCase();
    if (level !== 'error' && level !== 'warning') continue;
    const at = m.Location.Path ?? [];
    const resource = at[0] === 'Resources' && at[1] !== undefined ? String(at[1]) : at.slice(0, 2).join('/');
    matches.push({
      rule: m.Rule.Id,
      severity: level,
      file: m.Filename,
      resource,
      message: m.Message,
    });
  }
  return { ran: true, version: version.stdout.trim(), matches };
}

/**
 * Template metadata telling cfn-lint the stack's region, so one process lints each template against its own
 * region's schemas (instance classes, engine versions and resource types differ by region).
 */
export function lintRegionOf(stack: Stack): void {
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    'cfn-lint': { config: { regions: [stack.region] } },
  };
}
