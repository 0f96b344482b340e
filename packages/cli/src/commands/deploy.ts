import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { DeployDeps } from '../ops/deploy';

interface Options {
  env: string;
  config: string;
  region?: string;
  imageTag?: string;
  allowDirty?: boolean;
  json?: boolean;
}

export function register(program: Command, deps: () => DeployDeps | Promise<DeployDeps> = defaultDeps): void {
  program
    .command('deploy')
    .description(
      'build and push the image (tag = git sha), deploy the stacks, wait until every service is steady; fails on a rollback',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's)")
    .option('--image-tag <tag>', 'deploy an image already pushed under this tag (no build, no Docker needed)')
    .option('--allow-dirty', 'build from a working tree with uncommitted changes (the tag says so)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Options) => {
      const { loaded, resolved } = await loadStage(opts.config, opts.env);
      const { deploy } = await import('../ops/deploy');
      const report = await deploy(
        {
          resolved,
          configDir: loaded.dir,
          ...(opts.imageTag ? { imageTag: opts.imageTag } : {}),
          ...(opts.allowDirty ? { allowDirty: true } : {}),
          ...(opts.region ? { region: opts.region } : {}),
        },
        await deps(),
      );
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`${resolved.app} · ${resolved.stage}: deployed ${report.imageTag} to ${report.region}`);
      for (const s of report.services)
        console.log(
          `  ${s.name}: ${s.taskDefinition.split('/').pop()} steady, ${s.running}/${s.desired} running`,
        );
    });
}

/** The SDK, the CDK toolkit and Docker, loaded when a deploy starts, not when `berth` starts. */
async function defaultDeps(): Promise<DeployDeps> {
  const [{ defaultRuntime }, { cdkToolkit }, { dockerBuildx }, { gitRevision }] = await Promise.all([
    import('../ops/aws'),
    import('../ops/toolkit'),
    import('../ops/image'),
    import('../ops/git'),
  ]);
  return { rt: defaultRuntime(), toolkit: cdkToolkit, images: dockerBuildx, git: gitRevision };
}
