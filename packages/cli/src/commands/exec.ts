import type { Command } from 'commander';
import { CliError, loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Options {
  env: string;
  config: string;
  region?: string;
  standby?: boolean;
  task?: string;
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('exec')
    .description(
      'ECS Exec into a running task of a service: a shell, or the command after --; needs the session-manager-plugin',
    )
    .argument('<service>', 'service name from the config')
    .argument(
      '[command...]',
      'what to run, after -- (default: /bin/sh), e.g. berth exec api --env dev -- node dist/job.js migrate',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's, or the standby's with --standby)")
    .option(
      '--standby',
      "the service's pilot-light standby copy (<app>-<stage>-standby in standby.region); it runs standby.tasks tasks (0 by default)",
    )
    .option('--task <id>', 'a task id, or its first characters (default: the first running task)')
    .addHelpText(
      'after',
      `
ECS Exec is on where the config says so: services.<name>.exec, by default on in dev and staging, off in prod.
The session runs through the session-manager-plugin (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html).`,
    )
    .action(async (service: string, command: string[], opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { exec } = await import('../ops/exec');
      const code = await exec(
        {
          resolved,
          service,
          command,
          ...(opts.task ? { task: opts.task } : {}),
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.standby ? { standby: true } : {}),
        },
        await runtime(),
      );
      if (code !== 0) throw new CliError(`the session-manager-plugin exited with code ${code}`, code);
    });
}
