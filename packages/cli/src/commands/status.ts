import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';

interface Options {
  env: string;
  config: string;
  region?: string;
  standby?: boolean;
  json?: boolean;
}

/** The day-2 runtime, loaded on first use so `berth --help` does not load the SDK. */
export const lazyDay2Runtime = async (): Promise<Day2Runtime> =>
  (await import('../ops/day2')).defaultDay2Runtime();

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('status')
    .description(
      "the deployed environment now: each service's tasks (desired/running/pending), deployment and rollout state, task definition revision and image tag; alarms in ALARM; jobs' last runs; the database's state",
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's, or the standby's with --standby)")
    .option(
      '--standby',
      "the pilot-light standby (<app>-<stage>-standby in standby.region) instead of the app's stack",
    )
    .option(
      '--json',
      "print the report as JSON, with the stack's outputs (cluster, log groups, bastion, endpoints)",
    )
    .action(async (opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { status, renderStatus } = await import('../ops/status');
      const rt = await runtime();
      const report = await status(
        {
          resolved,
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.standby ? { standby: true } : {}),
        },
        rt,
      );
      if (opts.json) rt.out(JSON.stringify(report, null, 2));
      else for (const line of renderStatus(report, rt.now())) rt.out(line);
    });
}
