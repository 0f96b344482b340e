import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { scaffold, TEMPLATES } from '../init/scaffold';

interface InitOptions {
  name?: string;
  region: string;
  domain?: string;
  force?: boolean;
  template: string;
}

export function register(program: Command): void {
  program
    .command('init')
    .description(
      'create a Berth project: berth.config.ts (dev/staging/prod), a service, Dockerfile, GitHub Actions CI and deploy',
    )
    .argument('[dir]', 'folder to create it in', '.')
    .option('--name <name>', "app name (default: the folder's name)")
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option(
      '--domain <domain>',
      'domain prod serves HTTPS on (asked when run in a terminal; without one prod serves plain HTTP, written in the config)',
    )
    .option(
      '--template <name>',
      `what the service is written in: ${TEMPLATES.join(' (TypeScript on @berthjs/runtime), ')} (FastAPI reading the contract alone)`,
      'node',
    )
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, opts: InitOptions) => {
      const domain = opts.domain ?? (process.stdin.isTTY ? await askDomain() : undefined);
      const result = scaffold(dir, {
        ...(opts.name ? { name: opts.name } : {}),
        region: opts.region,
        ...(domain ? { domain } : {}),
        ...(opts.force ? { force: true } : {}),
        template: opts.template,
      });
      console.log(`Created ${result.name} in ${result.dir}:`);
      for (const f of result.files) console.log(`  ${f}`);
      console.log(
        result.domain
          ? `\nprod serves https://api.${result.domain}, staging https://api.staging.${result.domain} (certificates created in the Route 53 zone of ${result.domain}).`
          : `\nprod serves plain HTTP until it has a domain: berth.config.ts says so (edge.https: false); set edge.domain there for HTTPS.`,
      );
      const python =
        result.template === 'python'
          ? `
  python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt`
          : '';
      console.log(`
Next:
  npm install${python}
  npx berth dev                     run it locally
  npx berth check --env prod        check the infrastructure
  npx berth cost --compare dev,staging,prod
Deploys run from .github/workflows/deploy.yml: set the secret AWS_DEPLOY_ROLE_ARN in each GitHub environment (dev, staging, prod).`);
    });
}

/** Asks for the prod domain in a terminal; an empty answer keeps plain HTTP. */
async function askDomain(): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(
      'Domain for prod, served on HTTPS (e.g. example.com; empty: plain HTTP for now, written in the config): ',
    );
    return answer.trim() || undefined;
  } finally {
    rl.close();
  }
}
