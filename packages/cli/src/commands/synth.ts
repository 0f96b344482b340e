import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';

export function register(program: Command): void {
  program
    .command('synth')
    .description(
      'write the CloudFormation template of one environment (offline: no AWS credentials, no lookups)',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('-o, --out <dir>', 'output directory (default: cdk.out/<stage>)')
    .option('--image-tag <tag>', 'default of the ImageTag parameter', 'latest')
    .option('--json', 'print JSON')
    .action(async (opts: { env: string; config: string; out?: string; imageTag: string; json?: boolean }) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const outdir = opts.out ?? join('cdk.out', resolved.stage);
      const started = performance.now();
      const { synthesize } = await import('@berthjs/infra');
      const stacks = synthesize(resolved, outdir, { imageTag: opts.imageTag });
      const seconds = (performance.now() - started) / 1000;
      if (opts.json) {
        console.log(
          JSON.stringify({ app: resolved.app, stage: resolved.stage, outdir, seconds, stacks }, null, 2),
        );
        return;
      }
      console.log(`${resolved.app} · ${resolved.stage}: synthesized in ${seconds.toFixed(1)} s`);
      for (const s of stacks) {
        console.log(
          `  ${s.stackName}  ${s.resourceCount} resources  ${relative(process.cwd(), s.templatePath)}`,
        );
      }
    });
}
