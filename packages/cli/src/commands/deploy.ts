import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { DeployDeps } from '../ops/deploy';

interface Options {
  env: string;
  config: string;
  region?: string;
  imageTag?: string;
  allowDirty?: boolean;
  allowReplace: string[];
  yes?: boolean;
  approve?: boolean;
  skipMigrations?: boolean;
  json?: boolean;
}

export function register(program: Command, deps: () => DeployDeps | Promise<DeployDeps> = defaultDeps): void {
  program
    .command('deploy')
    .description(
      'show the diff against the deployed stacks (destructive changes refused unless --allow-replace, others approved by a prompt or --yes), build and push the image (tag = the hash of the commit tree), run the migrations with it, deploy the stacks, wait until every service is steady; fails on a rollback',
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .option('--region <region>', "AWS region (default: the environment's)")
    .option('--image-tag <tag>', 'deploy an image already pushed under this tag (no build, no Docker needed)')
    .option('--allow-dirty', 'build from a working tree with uncommitted changes (the tag says so)')
    .option(
      '--allow-replace <logicalId|path>',
      'allow replacing or removing this stateful resource (repeatable; berth diff names them)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '-y, --yes',
      'approve the infrastructure changes without a prompt (needed without a terminal, e.g. CI)',
    )
    .option('--approve', 'same as --yes')
    .option('--skip-migrations', 'do not run the migrations with the new image before the services get it')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Options) => {
      const { loaded, resolved } = await loadStage(opts.config, opts.env);
      const { deploy } = await import('../ops/deploy');
      const given = await deps();
      // Once the templates exist, the least each service's deploy will take by the model (docs/operate.md), on stderr.
      const synth: DeployDeps['synth'] = async (...args) => {
        const templates = await given.synth(...args);
        const { deployTimes, formatDeployTimes } = await import('@berthjs/infra');
        const times = templates.flatMap((t) => deployTimes(t.template));
        for (const line of formatDeployTimes(times, 'Expected deploy time (least, by the model)'))
          console.error(line);
        return templates;
      };
      const report = await deploy(
        {
          resolved,
          configDir: loaded.dir,
          ...(opts.imageTag ? { imageTag: opts.imageTag } : {}),
          ...(opts.allowDirty ? { allowDirty: true } : {}),
          ...(opts.region ? { region: opts.region } : {}),
          ...(opts.allowReplace.length ? { allowReplace: opts.allowReplace } : {}),
          ...(opts.yes || opts.approve ? { approve: true } : {}),
          ...(opts.skipMigrations ? { skipMigrations: true } : {}),
        },
        { ...given, synth },
      );
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`${resolved.app} · ${resolved.stage}: deployed ${report.imageTag} to ${report.region}`);
      if (report.migration)
        console.log(`  migrations: ${report.migration.taskDefinition.split('/').pop()} exited 0`);
      for (const s of report.services)
        console.log(
          `  ${s.name}: ${s.taskDefinition.split('/').pop()} steady, ${s.running}/${s.desired} running`,
        );
    });
}

/** The SDK, the CDK toolkit and Docker, loaded when a deploy starts, not when `berth` starts. */
async function defaultDeps(): Promise<DeployDeps> {
  const [{ defaultRuntime }, { cdkToolkit }, { dockerBuildx }, { gitRevision }, { synthTemplates }] =
    await Promise.all([
      import('../ops/aws'),
      import('../ops/toolkit'),
      import('../ops/image'),
      import('../ops/git'),
      import('../ops/templates'),
    ]);
  return {
    rt: defaultRuntime(),
    toolkit: cdkToolkit,
    images: dockerBuildx,
    git: gitRevision,
    synth: synthTemplates,
    ...(terminal() ? { confirm: ask } : {}),
  };
}

/** A person at a terminal, not CI (which may allocate a pseudo-terminal but has nobody to answer). */
function terminal(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY && !process.env.CI;
}

async function ask(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
