import type { Command } from 'commander';
import { CliError, EXIT } from '@berthjs/config/load';
import { loadStage } from '@berthjs/config/load';
import type { OpsRuntime } from '../ops/aws';
import type { RunTaskReport } from '../ops/runtask';

interface Options {
  env: string;
  config: string;
  region?: string;
  json?: boolean;
}

export function register(
  program: Command,
  runtime: () => OpsRuntime | Promise<OpsRuntime> = lazyRuntime,
): void {
  program
    .command('run-job')
    .description(
      "run one job now as an ECS task (the service's task definition and network), stream its log, exit with its code",
    )
    .argument('<name>', 'job name from the config')
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's)")
    .option('--json', 'print the result as JSON (the job output still streams to stdout)')
    .action(async (name: string, opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const job = resolved.jobs[name];
      if (!job) {
        throw new CliError(
          `No job '${name}' in ${resolved.app}; declared: ${Object.keys(resolved.jobs).join(', ') || 'none'}`,
          EXIT.invalid,
        );
      }
      const { runTask } = await import('../ops/runtask');
      const report = await runTask(
        {
          resolved,
          name,
          service: job.service,
          command: job.command,
          cpu: job.cpu,
          memoryMib: job.memoryMib,
          timeoutMinutes: job.timeoutMinutes,
          ...(opts.region ? { region: opts.region } : {}),
        },
        await runtime(),
      );
      finish(report, !!opts.json);
    });
}

/** The AWS clients, loaded on first use: `berth --help` and the other commands do not pay for the SDK. */
export const lazyRuntime = async (): Promise<OpsRuntime> => (await import('../ops/aws')).defaultRuntime();

/** Prints the result and turns a non-zero container exit code into the command's own. */
export function finish(report: RunTaskReport, json: boolean): void {
  if (json) console.log(JSON.stringify(report, null, 2));
  if (report.exitCode !== 0) {
    throw new CliError(`${report.name} exited with code ${report.exitCode}`, report.exitCode);
  }
  if (!json) console.error(`${report.name}: exited 0`);
}
