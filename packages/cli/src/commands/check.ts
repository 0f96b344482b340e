import type { Command } from 'commander';
import type { CheckReport, Finding } from '@berthjs/infra';
import type { CfnLintProcess } from '@berthjs/infra/cfn-lint';
import { contractReadFindings } from '../check/reads';
import { workflowFindings } from '../check/workflow';
import { CliError, EXIT } from '@berthjs/config/load';
import { loadStage, resolveStage } from '@berthjs/config/load';

interface CheckOptions {
  env: string;
  config: string;
  all?: boolean;
  skipGuard?: boolean;
  skipCfnLint?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('check')
    .description(
      'check one environment: cdk-nag (AwsSolutions, NIST 800-53 r5), Control Tower guard rules, cfn-lint, Berth rules',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--all', 'also list acknowledged findings with their reasons')
    .option('--skip-guard', 'do not run the Control Tower guard rules (cfn-guard)')
    .option('--skip-cfn-lint', 'do not run cfn-lint even when it is on PATH')
    .option('--json', 'print JSON')
    .action(async (opts: CheckOptions) => {
      // cfn-lint's interpreter imports it (about a second) while the config loads and the app synthesizes; it is
      // ended with the check, whichever way the check ends.
      const linter = opts.skipCfnLint ? undefined : (await import('@berthjs/infra/cfn-lint')).startCfnLint();
      try {
        await checkStage(opts, linter);
      } finally {
        linter?.cancel();
      }
    });
}

async function checkStage(opts: CheckOptions, linter: CfnLintProcess | undefined): Promise<void> {
  const { loaded, resolved } = await loadStage(opts.config, opts.env);
  // The other environments too: those sharing this one's account and region are synthesized so two stacks
  // creating the same named resource are found before the second deploy fails.
  const siblings = resolved.environments
    .filter((e) => e !== resolved.stage)
    .map((e) => resolveStage(loaded, e));
  // cfn-lint and cfn-guard beside cdk-nag and Berth's rules, their results cached per template (exact hits).
  const { runChecksAsync, formatQuotas } = await import('@berthjs/infra');
  const checked = await runChecksAsync(resolved, {
    skipGuard: !!opts.skipGuard,
    skipCfnLint: !!opts.skipCfnLint,
    siblings,
    ...(linter ? { linter } : {}),
  });
  // The code beside the config: a contract name a service (or its job) reads that the config does not give it.
  // ... and the deploy workflow beside it: each environment from the branch the config names.
  const reads = [...contractReadFindings(resolved, loaded.dir), ...workflowFindings(loaded, resolved)];
  const report: CheckReport = {
    ...checked,
    findings: [...checked.findings, ...reads],
    errors: checked.errors + reads.length,
  };
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else {
    printReport(report, !!opts.all);
    // What the environments use of the account's quotas (a team adds up its apps), and notes such as SES's sandbox.
    for (const line of [...formatQuotas(report.quotas), ...report.notes.map((n) => `Note: ${n.message}`)])
      console.log(line);
  }
  // A gate that silently skips AWS's own template rules is no gate: without cfn-lint the check fails (the
  // line above says why) unless it was skipped on purpose.
  if (!opts.skipCfnLint && !report.cfnLint.ran) {
    throw new CliError(
      `cfn-lint did not run: ${report.cfnLint.reason ?? 'not found'}. The templates were not checked against AWS's registry schemas, so ${resolved.stage} does not pass; pass --skip-cfn-lint to check without them.`,
      EXIT.failed,
    );
  }
  // A prod that turns a protection off (plain HTTP, no WAF, no deletion protection, a wildcard CORS origin)
  // warns until the config says why; a gate lets none through without its reason.
  const { PROD_OPT_OUT_RULE } = await import('@berthjs/infra');
  const unexplained = report.findings.filter((f) => f.rule === PROD_OPT_OUT_RULE && !f.acknowledged);
  if (unexplained.length && report.errors === 0) {
    throw new CliError(
      `${resolved.stage} turns off ${unexplained.map((f) => f.resource).join(', ')} with no reason: acknowledge each with a reason in berth.config.ts (acknowledgements: [{ rule: '${PROD_OPT_OUT_RULE}', resource, reason }]), or turn it back on`,
      EXIT.failed,
    );
  }
  if (report.errors > 0) {
    throw new CliError(
      `${report.errors} unacknowledged error${report.errors === 1 ? '' : 's'} in ${resolved.stage}`,
      EXIT.failed,
    );
  }
}

function printReport(report: CheckReport, all: boolean): void {
  const shown = report.findings.filter((f) => all || !f.acknowledged);
  if (shown.length) {
    const rows = shown.map((f) => [
      level(f),
      f.source,
      f.rule,
      f.path ?? f.resource,
      f.acknowledged ?? f.message,
    ]);
    const widths = [0, 1, 2, 3].map((i) => Math.min(60, Math.max(...rows.map((r) => r[i]!.length))));
    shown.forEach((f, n) => {
      console.log(rows[n]!.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  '));
      if (!f.acknowledged && f.fix) console.log(`${' '.repeat(widths[0]! + 2)}fix: ${f.fix}`);
    });
    console.log('');
  }
  const guard = report.guard.ran
    ? 'Control Tower guard rules ran'
    : `Control Tower guard rules did not run: ${report.guard.reason}`;
  console.log(
    `${report.errors} errors, ${report.warnings} warnings, ${report.acknowledged} acknowledged (each with a reason; --all lists them). ${guard}.`,
  );
  // One line either way: which cfn-lint checked the templates, or that none did and how to get it.
  console.log(
    report.cfnLint.ran
      ? `${report.cfnLint.version} checked every template${report.cfnLint.cached ? ` (${report.cfnLint.cached} unchanged: cached result)` : ''}.`
      : `cfn-lint did not run: ${report.cfnLint.reason}.`,
  );
}

function level(f: Finding): string {
  if (!f.acknowledged) return f.severity;
  return f.acknowledgedBy === 'config' ? 'ack (berth.config.ts)' : 'ack';
}
