import type { Command } from 'commander';
import { scaffold } from '../init/scaffold';

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'create a Berth project: berth.config.ts (dev/staging/prod), a service, Dockerfile, GitHub Actions CI and deploy',
    )
    .argument('[dir]', 'folder to create it in', '.')
    .option('--name <name>', "app name (default: the folder's name)")
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option('--force', 'overwrite files that exist')
    .action((dir: string, opts: { name?: string; region: string; force?: boolean }) => {
      const result = scaffold(dir, {
        ...(opts.name ? { name: opts.name } : {}),
        region: opts.region,
        ...(opts.force ? { force: true } : {}),
      });
      console.log(`Created ${result.name} in ${result.dir}:`);
      for (const f of result.files) console.log(`  ${f}`);
      console.log(`
Next:
  npm install
  npx berth dev                     run it locally
  npx berth check --env prod        check the infrastructure
  npx berth cost --compare dev,staging,prod
Deploys run from .github/workflows/deploy.yml: set the secret AWS_DEPLOY_ROLE_ARN in each GitHub environment (dev, staging, prod).`);
    });
}
