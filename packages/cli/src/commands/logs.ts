import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Options {
  env: string;
  config: string;
  region?: string;
  standby?: boolean;
  follow?: boolean;
  since: string;
  filter?: string;
  json?: boolean;
  previous?: boolean;
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('logs')
    .description(
      "a service's or job's CloudWatch log, pretty like berth dev's; --follow polls for new lines; a crash-looping service's last stopped reason first",
    )
    .argument('<name>', 'service or job name from the config')
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's, or the standby's with --standby)")
    .option('--standby', "the service's pilot-light standby copy (<app>-<stage>-standby in standby.region)")
    .option('-f, --follow', 'keep printing new lines (polls FilterLogEvents every 2 s) until Ctrl-C')
    .option('--since <duration>', 'how far back to start: 30m, 1h, 2d', '1h')
    .option('--filter <pattern>', "a CloudWatch Logs filter pattern, e.g. ERROR or '{ $.level >= 50 }'")
    .option('--previous', "only the newest stopped task's lines (a service that crashed)")
    .option('--json', 'one JSON object per event (time, stream, message)')
    .action(async (name: string, opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { parseDuration } = await import('../ops/day2');
      const sinceMs = parseDuration(opts.since);
      const { logs } = await import('../ops/logs');
      await logs(
        {
          resolved,
          name,
          sinceMs,
          ...(opts.filter ? { filter: opts.filter } : {}),
          ...(opts.follow ? { follow: true } : {}),
          ...(opts.json ? { json: true } : {}),
          ...(opts.previous ? { previous: true } : {}),
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.standby ? { standby: true } : {}),
        },
        await runtime(),
      );
    });
}
