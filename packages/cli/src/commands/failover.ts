import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Options {
  env: string;
  config: string;
  yes?: boolean;
  json?: boolean;
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('failover')
    .description(
      "fail over to the pilot-light standby, calling only the standby region: promote its database replica, point its tasks and the database secret at it, scale its services to the primary's task count; each step skips what is done, so run it again to finish",
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('-y, --yes', 'promote the database: it stops replicating and this cannot be undone')
    .option('--json', 'print the steps as JSON')
    .action(async (opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { failover } = await import('../ops/failover');
      const rt = await runtime();
      const report = await failover({ resolved, yes: !!opts.yes }, rt);
      if (opts.json) rt.out(JSON.stringify(report, null, 2));
      else
        rt.out(
          `${report.app} ${report.stage} now runs in ${report.region} (${report.stackName}). Route 53 answers the standby once the primary's health check fails; docs/runbooks/pilot-light.md says how to verify and fail back.`,
        );
    });
}
