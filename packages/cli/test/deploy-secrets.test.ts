import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import { CliError } from '@berthjs/config/load';
import talent from '../../../examples/talent/berth.config';
import { awsClients, type OpsRuntime } from '../src/ops/aws';
import { deploy, type DeployDeps } from '../src/ops/deploy';
import type { StackTemplate } from '../src/ops/diff';
import { synthTemplates } from '../src/ops/templates';

// GIVEN talent with two secrets its api reads by name, WHEN berth deploy runs and one of them does not exist,
// THEN it refuses before it builds, pushes or changes a stack, naming the secret, who reads it and the fix.
const config: AppConfig = {
  ...talent,
  services: {
    ...talent.services,
    api: {
      ...talent.services.api!,
      secrets: { SLACK_WEBHOOK_URL: 'talent/slack-webhook', SIGNING_KEY: 'talent/signing:key' },
    },
  },
};
const resolved = resolve(config, 'prod');

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const ecr = mockClient(ECRClient);
const secrets = mockClient(SecretsManagerClient);

let head: StackTemplate[];
beforeAll(async () => {
  head = await synthTemplates(resolved);
}, 120_000);

function harness(): { deps: DeployDeps; builds: number; deployments: number } {
  const h = { deps: undefined as never as DeployDeps, builds: 0, deployments: 0 };
  const rt: OpsRuntime = {
    clients: awsClients,
    sleep: async () => {},
    progress: () => {},
    out: () => {},
    pollMs: 0,
    steadyTimeoutMs: 1000,
  };
  h.deps = {
    rt,
    images: { available: async () => true, buildAndPush: async () => void h.builds++ },
    toolkit: {
      deploy: async () => {
        h.deployments++;
        return { stacks: [] };
      },
    },
    git: { shortSha: async () => 'abc1234', isDirty: async () => false },
    synth: async () => head,
  };
  return h;
}

beforeEach(() => {
  for (const m of [sts, cfn, ecr, secrets]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222222' });
  cfn.on(GetTemplateCommand).callsFake(() => ({ TemplateBody: JSON.stringify(head[0]!.template) }));
});

describe('berth deploy: referenced secrets exist first', () => {
  it('refuses when one is missing, before anything is built or deployed', async () => {
    secrets
      .on(DescribeSecretCommand, { SecretId: 'talent/signing' })
      .resolves({ ARN: 'arn:aws:secretsmanager:us-east-1:222222222222:secret:talent/signing-AbCdEf' });
    secrets
      .on(DescribeSecretCommand, { SecretId: 'talent/slack-webhook' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const h = harness();
    const err = await deploy({ resolved, configDir: '.', approve: true }, h.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/talent\/slack-webhook \(read by api\.SLACK_WEBHOOK_URL\)/);
    expect((err as CliError).message).toMatch(/berth secrets set <NAME> --env prod/);
    expect((err as CliError).message).not.toMatch(/talent\/signing /);
    expect(h.builds).toBe(0);
    expect(h.deployments).toBe(0);
  });

  it('counts a secret scheduled for deletion as missing', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN: 'arn:x', DeletedDate: new Date() });
    const h = harness();
    const err = await deploy({ resolved, configDir: '.', approve: true }, h.deps).catch((e: unknown) => e);
    expect((err as CliError).message).toMatch(/talent\/signing \(read by api\.SIGNING_KEY\)/);
    expect(h.deployments).toBe(0);
  });
});
