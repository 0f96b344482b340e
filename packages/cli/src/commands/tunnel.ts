import type { Command } from 'commander';
import { CliError, EXIT, loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Options {
  env: string;
  config: string;
  region?: string;
  standby?: boolean;
  port?: string;
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('tunnel')
    .description(
      'forward a local port to the database or cache through the bastion (SSM port forwarding) and print a ready psql/redis-cli command',
    )
    .argument('<target>', 'database or cache')
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's, or the standby's with --standby)")
    .option(
      '--standby',
      'refused with the reason: the pilot-light standby (<app>-<stage>-standby) has no bastion to forward a port through',
    )
    .option('--port <port>', 'local port (default: 15432 for the database, 16379 for the cache)')
    .addHelpText(
      'after',
      `
Needs a bastion in the environment (bastion: {} in the config) and the session-manager-plugin.
The printed command carries the credentials from the secret: it goes to stdout only.`,
    )
    .action(async (target: string, opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && !Number.isInteger(port))
        throw new CliError(`--port ${opts.port}: expected a port number such as 15432`, EXIT.invalid);
      const { tunnel } = await import('../ops/tunnel');
      const code = await tunnel(
        {
          resolved,
          target: target as 'database' | 'cache',
          ...(port !== undefined ? { port } : {}),
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.standby ? { standby: true } : {}),
        },
        await runtime(),
      );
      // Ctrl-C ends the plugin with 130 (or 0): closing the tunnel is how it is meant to end.
      if (code !== 0 && code !== 130)
        throw new CliError(`the session-manager-plugin exited with code ${code}`, code);
    });
}
