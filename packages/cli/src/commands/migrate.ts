import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { OpsRuntime } from '../ops/aws';
import { migrateCommand } from '../ops/commands';
import { finish, lazyRuntime } from './run-job';

interface Options {
  env: string;
  config: string;
  region?: string;
  imageTag?: string;
  json?: boolean;
}

export function register(
  program: Command,
  runtime: () => OpsRuntime | Promise<OpsRuntime> = lazyRuntime,
): void {
  program
    .command('migrate')
    .description(
      "run the database migrations as an ECS task (a 'migrate' job, else the job entry point with 'migrate'), exit with its code",
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's)")
    .option(
      '--image-tag <tag>',
      'run them with this (pushed) image tag instead of the deployed one: what berth deploy does before the services get it',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      if (opts.imageTag) {
        const rt = await runtime();
        const [{ callerIdentity }, { requireStack }, { migrateFirst }] = await Promise.all([
          import('../ops/aws'),
          import('../ops/stack'),
          import('../ops/migrate-first'),
        ]);
        const clients = rt.clients(opts.region ?? resolved.region);
        await callerIdentity(clients);
        const run = await migrateFirst(
          resolved,
          clients,
          rt,
          await requireStack(clients, resolved),
          opts.imageTag,
        );
        if (!run) migrateCommand(resolved); // says why there is nothing to migrate
        finish(run!.report, !!opts.json);
        return;
      }
      const { service, command } = migrateCommand(resolved);
      const { runTask } = await import('../ops/runtask');
      const report = await runTask(
        { resolved, name: 'migrate', service, command, ...(opts.region ? { region: opts.region } : {}) },
        await runtime(),
      );
      finish(report, !!opts.json);
    });
}
