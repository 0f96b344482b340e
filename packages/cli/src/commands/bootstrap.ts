import type { Command } from 'commander';
import { loadStage } from '@berthjs/config/load';
import type { BootstrapClients } from '../bootstrap/preflight';

export function register(
  program: Command,
  clients: (region: string) => BootstrapClients | Promise<BootstrapClients> = async (region) =>
    (await import('../bootstrap/preflight')).defaultBootstrapClients(region),
): void {
  program
    .command('bootstrap')
    .description(
      "before the deploy workflow first runs: checks the account (CDK bootstrap, GitHub's OIDC provider, github.repository) and names the first deploy, by hand with admin credentials, that creates the deployer role; then prints the AWS_DEPLOY_ROLE_ARN to set in GitHub",
    )
    .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
    .option('-c, --config <path>', 'config file', 'berth.config.ts')
    .action(async (opts: { env: string; config: string }) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { bootstrapPreflight } = await import('../bootstrap/preflight');
      const report = await bootstrapPreflight(resolved, await clients(resolved.region));
      console.log(
        report.roleArn
          ? `${resolved.stage} in ${report.account}: the deployer role exists (${report.roleArn}). Last step:`
          : `${resolved.stage} in ${report.account}: ready for its first deploy. Next:`,
      );
      report.steps.forEach((s, i) => console.log(`  ${i + 1}. ${s}`));
    });
}
