import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import type { CliError } from '@berthjs/config/load';
import { bootstrapPreflight, type BootstrapClients } from '../src/bootstrap/preflight';
import { main } from '../src/main';

const WORKSPACE = join(import.meta.dirname, '../../..');

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const cfn = mockClient(CloudFormationClient);
afterEach(() => {
  sts.reset();
  iam.reset();
  cfn.reset();
});

const clients: BootstrapClients = {
  sts: new STSClient({}),
  iam: new IAMClient({}),
  cloudFormation: (region) => new CloudFormationClient({ region }),
};

const app = (github?: AppConfig['github']): AppConfig => ({
  name: 'shop',
  region: 'eu-west-1',
  services: { api: { port: 3000 } },
  ...(github ? { github } : {}),
  environments: { prod: { account: '111111111111', overrides: { edge: { https: false } } } },
});
const prod = (github: AppConfig['github'] = { repository: 'acme/shop' }) => resolve(app(github), 'prod');
const notFound = (name: string) =>
  Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });

async function refusal(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (e) {
    return e as CliError;
  }
  throw new Error('expected a refusal');
}

describe('berth bootstrap: what the deploy workflow assumes, before it first runs', () => {
  it('before the first deploy: names it (admin credentials), the re-run, and the secret with the role it will make', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(notFound('shop-prod'));
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    const report = await bootstrapPreflight(prod(), clients);
    expect(report.roleArn).toBeUndefined();
    expect(report.steps[0]).toMatch(
      /^npx berth deploy --env prod +\(once, with these administrator credentials: it creates the stack with the deployer role shop-prod-deployer, GitHub's OIDC provider and the trust for repo:acme\/shop:environment:prod\)/,
    );
    expect(report.steps[2]).toMatch(
      /^gh secret set AWS_DEPLOY_ROLE_ARN --env prod --body arn:aws:iam::111111111111:role\/shop-prod-deployer/,
    );
  });

  it('after it: the role ARN from the stack output, and the one command left', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    const arn = 'arn:aws:iam::111111111111:role/shop-prod-deployer';
    cfn.on(DescribeStacksCommand, { StackName: 'shop-prod' }).resolves({
      Stacks: [
        {
          StackName: 'shop-prod',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'DeployerRoleArn', OutputValue: arn }],
        },
      ],
    });
    const report = await bootstrapPreflight(prod(), clients);
    expect(report).toEqual({
      account: '111111111111',
      roleArn: arn,
      steps: [
        expect.stringMatching(
          /^gh secret set AWS_DEPLOY_ROLE_ARN --env prod --body arn:aws:iam::111111111111:role\/shop-prod-deployer /,
        ),
      ],
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it('refuses: no github.repository (exit 2), the wrong account (exit 2), no CDK bootstrap (exit 1), a second OIDC provider (exit 2)', async () => {
    const noGithub = await refusal(bootstrapPreflight(resolve(app(), 'prod'), clients));
    expect([noGithub.exitCode, noGithub.message]).toEqual([
      2,
      expect.stringMatching(/Set github: \{ repository: 'owner\/name' \}/),
    ]);
    expect(sts.calls()).toHaveLength(0);

    sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
    const wrong = await refusal(bootstrapPreflight(prod(), clients));
    expect([wrong.exitCode, wrong.message]).toEqual([
      2,
      'These credentials are for account 222222222222; environments.prod deploys to 111111111111. Use administrator credentials of 111111111111.',
    ]);

    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    cfn.on(DescribeStacksCommand).rejects(notFound('CDKToolkit'));
    const cdk = await refusal(bootstrapPreflight(prod(), clients));
    expect([cdk.exitCode, cdk.message]).toEqual([
      1,
      expect.stringMatching(/Run: npx cdk bootstrap aws:\/\/111111111111\/eu-west-1$/),
    ]);

    cfn.reset();
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(notFound('shop-prod'));
    const provider = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: provider }] });
    const twice = await refusal(bootstrapPreflight(prod(), clients));
    expect([twice.exitCode, twice.message]).toEqual([
      2,
      expect.stringContaining(`oidcProvider: '${provider}'`),
    ]);
    // adopting it, the same account is ready
    const adopted = await bootstrapPreflight(
      prod({ repository: 'acme/shop', oidcProvider: provider }),
      clients,
    );
    expect(adopted.steps[0]).toMatch(/its trust in the account's GitHub OIDC provider/);
  });
});

describe('`berth bootstrap --env prod`', () => {
  it('prints the steps (exit 0), and exit 2 with the reason when the config has no github.repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-bootstrap-'));
    const file = join(dir, 'berth.config.ts');
    const config = (github: string) => `import { defineApp } from '@berthjs/config';
export default defineApp({
  name: 'shop',
  region: 'eu-west-1',
  services: { api: { port: 3000 } },
  ${github}
  environments: { prod: { account: '111111111111', overrides: { edge: { https: false } } } },
});
`;
    writeFileSync(file, config("github: { repository: 'acme/shop' },"));
    mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
    symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'shop-prod' }).rejects(notFound('shop-prod'));
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    expect(
      await main(['node', 'berth', 'bootstrap', '--env', 'prod', '--config', file]),
      out.join('\n'),
    ).toBe(0);
    expect(out.join('\n')).toMatch(
      /^prod in 111111111111: ready for its first deploy\. Next:\n {2}1\. npx berth deploy --env prod /m,
    );
    const bare = join(dir, 'bare.config.ts');
    writeFileSync(bare, config(''));
    out.length = 0;
    expect(await main(['node', 'berth', 'bootstrap', '--env', 'prod', '--config', bare])).toBe(2);
    expect(out.join('\n')).toMatch(
      /prod has no deployer role: .*Set github: \{ repository: 'owner\/name' \}/,
    );
    vi.restoreAllMocks();
  });
});
