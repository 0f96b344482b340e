import type { Command } from 'commander';
import { CliError, EXIT } from '@berthjs/config/load';
import { loadStage } from '@berthjs/config/load';
import type { OpsRuntime } from '../ops/aws';
import { lazyRuntime } from './run-job';

interface Options {
  env: string;
  config: string;
  region?: string;
  service?: string;
  to?: string;
  ifImageTag?: string;
  json?: boolean;
}

export function register(
  program: Command,
  runtime: () => OpsRuntime | Promise<OpsRuntime> = lazyRuntime,
): void {
  program
    .command('rollback')
    .description(
      'point a service back at an earlier ACTIVE task definition revision and wait until it is steady',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's)")
    .option('--service <name>', 'service to roll back (default: the default service)')
    .option('--to <revision>', 'task definition revision (default: the previous ACTIVE one)')
    .option(
      '--if-image-tag <tag>',
      'only when the service runs this image tag (what a failed deploy left behind)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const to = opts.to === undefined ? undefined : Number(opts.to);
      if (to !== undefined && !(Number.isInteger(to) && to > 0))
        throw new CliError(`--to ${opts.to}: expected a revision number such as 12`, EXIT.invalid);
      const { rollback } = await import('../ops/rollback');
      const report = await rollback(
        {
          resolved,
          ...(opts.service ? { service: opts.service } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.ifImageTag ? { ifImageTag: opts.ifImageTag } : {}),
        },
        await runtime(),
      );
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      if (report.skipped) {
        console.log(`${resolved.app} · ${resolved.stage}: ${report.skipped}`);
        return;
      }
      const rev = (arn: string) => arn.split('/').pop();
      console.log(
        `${resolved.app} · ${resolved.stage}: ${report.service} rolled back ${rev(report.from.taskDefinition)} → ${rev(report.to.taskDefinition)}, steady`,
      );
      console.log(
        '  The stack still names the newer revision: the next berth deploy replaces this one (deploy a fixed commit, or the old tag with --image-tag).',
      );
    });
}
