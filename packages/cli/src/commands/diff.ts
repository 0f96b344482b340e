import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT, loadStage } from '@berthjs/config/load';
import type { OpsRuntime } from '../ops/aws';
import type { DiffReport } from '../ops/diff';
import { lazyRuntime } from './run-job';

interface Options {
  env: string;
  config: string;
  base?: string;
  head?: string;
  region?: string;
  json?: boolean;
  markdown?: boolean;
}

export function register(
  program: Command,
  runtime: () => OpsRuntime | Promise<OpsRuntime> = lazyRuntime,
): void {
  program
    .command('diff')
    .description(
      'what a deploy would change, per stack: against the deployed stacks, or offline against another revision (--base); marks what loses data or widens access; exit 0 none, 3 changes, 4 destructive',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option(
      '--base <ref|dir>',
      "compare with a git revision (e.g. origin/main) or a folder 'berth synth --out' wrote, offline; default: the deployed stacks (needs AWS credentials)",
    )
    .option(
      '--head <dir>',
      "the new side from a folder 'berth synth --out' wrote (default: synthesize the config)",
    )
    .option('--region <region>', "AWS region of the deployed stacks (default: the environment's)")
    .option('--json', 'print the diff as JSON')
    .option('--markdown', 'print the diff as Markdown (for $GITHUB_STEP_SUMMARY)')
    .action(async (opts: Options) => {
      const { diffStacks, formatDiff } = await import('../ops/diff');
      const { readAssembly, synthTemplates, templatesAtRevision, deployedTemplates } =
        await import('../ops/templates');
      const { resolved } = await loadStage(opts.config, opts.env);
      const only = { app: resolved.app, stage: resolved.stage };
      let head = opts.head ? readAssembly(opts.head, only) : await synthTemplates(resolved);
      let base;
      let against: string;
      if (opts.base && isAssembly(opts.base)) {
        base = readAssembly(opts.base, only);
        against = opts.base;
      } else if (opts.base) {
        base = await templatesAtRevision(opts.config, opts.base, opts.env);
        against = opts.base;
      } else {
        const rt = await runtime();
        const region = opts.region ?? resolved.region;
        const { callerIdentity } = await import('../ops/aws');
        await callerIdentity(rt.clients(region));
        const deployed = await deployedTemplates(rt.clients, head, region);
        for (const u of deployed.unreadable)
          console.error(`berth: ${u}: not compared, these credentials may not read its deployed template`);
        [base, head] = [deployed.templates, deployed.head];
        against = `deployed (${region})`;
      }
      const report = diffStacks(base, head);
      const title = `${resolved.app} · ${resolved.stage} vs ${against}`;
      // The least a deploy of each service takes with the new templates (docs/operate.md, "How long a deploy takes").
      const { deployTimes, formatDeployTimes } = await import('@berthjs/infra');
      const deployTime = head.flatMap((t) => deployTimes(t.template));
      const text = [formatDiff(report, title), ...formatDeployTimes(deployTime)].join('\n');
      if (opts.json)
        console.log(
          JSON.stringify(
            { app: resolved.app, stage: resolved.stage, against, ...report, deployTime },
            null,
            2,
          ),
        );
      else if (opts.markdown) console.log(markdown(report, title, text));
      else console.log(text);
      exitFor(report, title);
    });
}

function isAssembly(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, 'manifest.json'));
}

/** 0 when nothing changes; otherwise a CliError carrying 3 (changes) or 4 (destructive). */
export function exitFor(report: DiffReport, title: string): void {
  if (report.refused.length) {
    throw new CliError(
      `${title}: refused (berth deploy will not carry it out): ${report.refused.map((r) => r.logicalId).join(', ')}`,
      EXIT.destructive,
    );
  }
  if (report.destructive.length) {
    throw new CliError(
      `${title}: destructive: ${report.destructive.map((r) => `${r.action} ${r.type} ${r.logicalId}`).join(', ')}`,
      EXIT.destructive,
    );
  }
  if (report.changes) throw new CliError(`${title}: ${report.changes} changes`, EXIT.changes);
}

function markdown(report: DiffReport, title: string, text: string): string {
  const verdict = report.refused.length
    ? `**:no_entry: REFUSED: ${report.refused.map((r) => r.reason).join(' ')}**`
    : report.destructive.length
      ? `**:warning: DESTRUCTIVE: ${report.destructive.map((r) => `\`${r.logicalId}\` (${r.type}, ${r.action})`).join(', ')}** — \`berth deploy\` refuses this unless \`--allow-replace <logicalId>\`.`
      : report.changes
        ? `${report.changes} change${report.changes === 1 ? '' : 's'}${report.widensAccess ? ' — **:warning: widens access (IAM / security groups)**' : ''}.`
        : 'No changes.';
  const reboot = report.needsReboot.length
    ? `\n\n**:arrows_counterclockwise: Needs a reboot:** ${report.needsReboot.map((n) => `\`${n.parameter}\` (static; takes effect at the next reboot of the ${n.kind}, \`${n.logicalId}\`)`).join(', ')}.`
    : '';
  return `### berth diff: ${title}\n\n${verdict}${reboot}\n\n\`\`\`\n${text}\n\`\`\`\n`;
}
