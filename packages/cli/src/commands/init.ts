import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CliError, EXIT } from '@berthjs/config/load';
import { lookUpHostedZone } from '../init/hosted-zone';
import { scaffold, TEMPLATES } from '../init/scaffold';

interface InitOptions {
  name?: string;
  region: string;
  domain?: string;
  hostedZone?: string;
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
      '--hosted-zone <id>',
      'the Route 53 hosted zone of --domain, where the certificate is validated (looked up with the AWS credentials there are, else asked in a terminal; with neither, berth init refuses --domain)',
    )
    .option(
      '--template <name>',
      `what the service is written in: ${TEMPLATES.join(' (TypeScript on @berthjs/runtime), ')} (FastAPI reading the contract alone)`,
      'node',
    )
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, opts: InitOptions) => {
      const tty = !!process.stdin.isTTY;
      const domain = (opts.domain ?? (tty ? await askDomain() : undefined))?.trim() || undefined;
      const hostedZoneId = domain ? (opts.hostedZone ?? (await findZone(domain, tty))) : opts.hostedZone;
      const result = scaffold(dir, {
        ...(opts.name ? { name: opts.name } : {}),
        region: opts.region,
        ...(domain ? { domain } : {}),
        ...(hostedZoneId ? { hostedZoneId } : {}),
        ...(opts.force ? { force: true } : {}),
        template: opts.template,
      });
      console.log(`Created ${result.name} in ${result.dir}:`);
      for (const f of result.files) console.log(`  ${f}`);
      console.log(
        result.domain
          ? `\nprod serves https://api.${result.domain}, staging https://api.staging.${result.domain} (certificates validated in the Route 53 hosted zone ${result.hostedZoneId}).`
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
Deploys run from .github/workflows/deploy.yml, assuming the deployer role the first deploy creates:
  set github.repository in berth.config.ts, then once per environment, with admin credentials:
  npx berth bootstrap --env prod    creates the deployer role and prints the AWS_DEPLOY_ROLE_ARN to set in GitHub`);
    });
}

/**
 * The hosted zone of `domain`: looked up in Route 53 with the credentials there are, else asked in a terminal. With
 * neither, the refusal: a certificate nothing can validate would hold the first deploy forever.
 */
async function findZone(domain: string, tty: boolean): Promise<string> {
  const found = await lookUpHostedZone(domain);
  if (found.zoneId) {
    console.log(`Route 53: ${domain} is validated in hosted zone ${found.zoneId} (${found.zoneName}).`);
    return found.zoneId;
  }
  if (tty) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      const answer = await rl.question(
        `Route 53 hosted zone id of ${domain} (${found.reason}; see aws route53 list-hosted-zones-by-name --dns-name ${domain}): `,
      );
      if (answer.trim()) return answer.trim();
    } finally {
      rl.close();
    }
  }
  throw new CliError(
    `--domain ${domain} needs --hosted-zone <id>, and it could not be found (${found.reason}): ACM validates prod's certificate with a record in that Route 53 zone, and without it the first deploy would wait forever. Find it with: aws route53 list-hosted-zones-by-name --dns-name ${domain}. Without a Route 53 zone, leave --domain out (prod serves plain HTTP, written in the config).`,
    EXIT.invalid,
  );
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
