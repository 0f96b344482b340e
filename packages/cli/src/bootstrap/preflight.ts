import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { deployerRoleName, stackName, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';

/** The SDK calls `berth bootstrap` makes: read-only, injectable for tests. */
export interface BootstrapClients {
  readonly sts: Pick<STSClient, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
  cloudFormation(region: string): Pick<CloudFormationClient, 'send'>;
}

/** STS in the environment's region; IAM is global, its API signed in us-east-1 (https://docs.aws.amazon.com/general/latest/gr/iam-service.html). */
export function defaultBootstrapClients(region: string): BootstrapClients {
  return {
    sts: new STSClient({ region }),
    iam: new IAMClient({ region: 'us-east-1' }),
    cloudFormation: (region) => new CloudFormationClient({ region }),
  };
}

/** The GitHub OIDC issuer's host, as IAM names its provider (`…:oidc-provider/token.actions.githubusercontent.com`). */
const GITHUB_OIDC = 'token.actions.githubusercontent.com';

export interface BootstrapReport {
  readonly account: string;
  /** The deployer role's ARN once the first deploy made it; absent before. */
  readonly roleArn?: string;
  /** What to run next, in order. */
  readonly steps: readonly string[];
}

/**
 * What the generated deploy workflow assumes exists, checked with the caller's credentials before it first runs:
 * the deployer role (and the GitHub OIDC provider and the trust for this repository's environment) is created by the
 * environment's own stack, so the first deploy of each environment runs by hand with administrator credentials. This
 * checks what would make that deploy fail or the workflow's first run fail: the wrong account, no `github.repository`
 * (no deployer role at all), the CDK bootstrap stack missing in a region the deployer's deploys go through, an OIDC
 * provider the stack would create twice. Then it names the next step: the first deploy, or the secret to set.
 */
export async function bootstrapPreflight(
  resolved: ResolvedApp,
  clients: BootstrapClients,
): Promise<BootstrapReport> {
  const env = `environments.${resolved.stage}`;
  if (!resolved.github)
    throw new CliError(
      `${resolved.stage} has no deployer role: the deploy workflow assumes one, which Berth creates only for a GitHub repository. Set github: { repository: 'owner/name' } in berth.config.ts.`,
      EXIT.invalid,
    );
  const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  const account = identity.Account ?? '';
  if (resolved.account && resolved.account !== account)
    throw new CliError(
      `These credentials are for account ${account}; ${env} deploys to ${resolved.account}. Use administrator credentials of ${resolved.account}.`,
      EXIT.invalid,
    );
  const regions = [...new Set([resolved.region, ...(resolved.standby ? [resolved.standby.region] : [])])];
  const missing: string[] = [];
  for (const region of regions) {
    if (!(await stackOutputs(clients.cloudFormation(region), 'CDKToolkit'))) missing.push(region);
  }
  if (missing.length)
    throw new CliError(
      `The CDK bootstrap stack (CDKToolkit) is missing in ${missing.join(', ')} of account ${account}: every deploy, the deployer role's too, goes through its roles. Run: ${missing.map((r) => `npx cdk bootstrap aws://${account}/${r}`).join(' && ')}`,
      EXIT.failed,
    );
  const outputs = await stackOutputs(clients.cloudFormation(resolved.region), stackName(resolved));
  const roleArn = outputs?.DeployerRoleArn;
  const secret = (arn: string) =>
    `gh secret set AWS_DEPLOY_ROLE_ARN --env ${resolved.stage} --body ${arn}   (GitHub environment '${resolved.stage}', deployment branch ${resolved.branch})`;
  if (roleArn) return { account, roleArn, steps: [secret(roleArn)] };
  if (resolved.github.oidcProvider === 'create') {
    const providers = await clients.iam.send(new ListOpenIDConnectProvidersCommand({}));
    const existing = (providers.OpenIDConnectProviderList ?? []).find((p) =>
      p.Arn?.endsWith(`/${GITHUB_OIDC}`),
    );
    if (existing?.Arn)
      throw new CliError(
        `Account ${account} already has GitHub's OIDC provider (${existing.Arn}), and ${resolved.stage}'s first deploy would create it again (IAM allows one per URL). Set github: { repository: '${resolved.github.repository}', oidcProvider: '${existing.Arn}' } in berth.config.ts.`,
        EXIT.invalid,
      );
  }
  const role = `arn:aws:iam::${account}:role/${deployerRoleName(resolved)}`;
  return {
    account,
    steps: [
      `npx berth deploy --env ${resolved.stage}   (once, with these administrator credentials: it creates the stack with the deployer role ${deployerRoleName(resolved)}, ${resolved.github.oidcProvider === 'create' ? "GitHub's OIDC provider" : "its trust in the account's GitHub OIDC provider"} and the trust for repo:${resolved.github.repository}:environment:${resolved.stage})`,
      `npx berth bootstrap --env ${resolved.stage}   (again: it prints the role's ARN from the stack)`,
      secret(role),
    ],
  };
}

/** A stack's outputs by key, or undefined when the stack does not exist. */
async function stackOutputs(
  client: Pick<CloudFormationClient, 'send'>,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (err) {
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message))
      return undefined;
    throw err;
  }
}
