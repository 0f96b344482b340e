import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Options {
  env: string;
  config: string;
  region?: string;
  yes?: boolean;
  confirm?: string;
  dryRun?: boolean;
  json?: boolean;
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) return '';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
): void {
  program
    .command('destroy')
    .description(
      "delete an environment's stacks after showing what goes and what is kept (retained databases, buckets, snapshots); prod only with --confirm <stage>",
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region of the app stack (default: the environment's)")
    .option('--dry-run', 'show what would go and what would be kept; delete nothing')
    .option('-y, --yes', 'do not ask (outside prod)')
    .option('--confirm <stage>', "the environment's name again: required for a prod environment")
    .option('--json', 'print the result as JSON')
    .action(async (opts: Options) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { destroy } = await import('../ops/destroy');
      const rt = await runtime();
      const result = await destroy(
        {
          resolved,
          ask,
          ...(opts.yes ? { yes: true } : {}),
          ...(opts.confirm ? { confirm: opts.confirm } : {}),
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(opts.region ? { region: opts.region } : {}),
        },
        opts.json ? { ...rt, out: () => {} } : rt,
      );
      if (opts.json) rt.out(JSON.stringify(result, null, 2));
    });
}
