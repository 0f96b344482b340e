import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { contractFor } from '@berthjs/config';
import { talentResolved, templateOf } from './support';
import { cacheConnectionValue } from '../src/constructs/cache';

// The seam: every variable of the contract reaches the task through the channel the contract says.
const prod = talentResolved('prod');
let container: {
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
};
beforeAll(() => {
  const t: Template = templateOf(prod);
  const task = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as {
    Properties: { ContainerDefinitions: (typeof container)[] };
  };
  container = task.Properties.ContainerDefinitions[0]!;
});

describe('contract → task definition', () => {
  it('delivers every contract variable, secrets as ECS secrets and the rest as plain env', () => {
    const env = container.Environment.map((e) => e.Name).sort();
    const secrets = container.Secrets.map((e) => e.Name).sort();
    const contract = contractFor(prod, 'api').variables;
    expect(env).toEqual(
      contract
        .filter((v) => !v.secret)
        .map((v) => v.name)
        .sort(),
    );
    expect(secrets).toEqual(
      contract
        .filter((v) => v.secret)
        .map((v) => v.name)
        .sort(),
    );
  });
  it('maps each source kind to its CloudFormation value', () => {
    const value = (name: string) => container.Environment.find((e) => e.Name === name)?.Value;
    expect(value('BUCKET_RESUMES')).toEqual({ Ref: 'BucketResumes' });
    // With an AUTH token (prod: cache.tls) CACHE_URL carries it, so it is a secret (below), never plain env.
    expect(value('CACHE_URL')).toBeUndefined();
    expect(value('MAIL_CONFIGURATION_SET')).toBe('talent-prod');
    // The events queue's URL is its Ref (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values).
    expect(value('MAIL_EVENTS_QUEUE_URL')).toEqual({ Ref: expect.stringMatching(/^MailEventsQueue/) });
    expect(value('AUTH_AUDIENCE')).toBe('talent-api');
    expect(value('PORT')).toBe('3000');
    // ECS's `<secret-arn>:<json-key>:<version-stage>:<version-id>`: one key of the cache connection secret.
    expect(container.Secrets.find((s) => s.Name === 'CACHE_AUTH_TOKEN')?.ValueFrom).toEqual({
      'Fn::Join': ['', [{ Ref: 'CacheConnection' }, ':token::']],
    });
  });
  it('gives CACHE_URL with the AUTH token in it as an ECS secret: the url key of the cache connection secret', () => {
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    expect(container.Secrets.find((s) => s.Name === 'CACHE_URL')?.ValueFrom).toEqual({
      'Fn::Join': ['', [{ Ref: 'CacheConnection' }, ':url::']],
    });
    expect(contractFor(prod, 'api').variables.find((v) => v.name === 'CACHE_URL')?.secret).toBe(true);
    const t = templateOf(prod);
    const secret = t.findResources('AWS::SecretsManager::Secret').CacheConnection as {
      Properties: { SecretString: unknown; GenerateSecretString?: unknown };
    };
    // `{"token":"<token>","url":"rediss://:<token>@<primary>:6379"}`, both resolved from the AUTH token secret at
    // deploy time: the template holds references, never the token.
    const joined = JSON.stringify(secret.Properties.SecretString);
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(joined).toContain('{{resolve:secretsmanager:');
    expect(joined).toContain('rediss://:');
    expect(joined).toContain('CacheAuthToken');
    expect(joined).toContain('PrimaryEndPoint.Address');
    expect(joined.match(/\{\{resolve:secretsmanager:/g)).toHaveLength(2);
    // The same token the replication group is created with.
    const group = t.findResources('AWS::ElastiCache::ReplicationGroup').CacheReplicationGroup as {
      Properties: { AuthToken: unknown };
    };
    expect(JSON.stringify(group.Properties.AuthToken)).toContain('CacheAuthToken');
    // The execution role may read it (ECS fetches it when a task starts).
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('"Ref":"CacheConnection"');
  });
  it('a rotation writes the connection secret with the token percent-encoded in the URL', () => {
    const value = JSON.parse(cacheConnectionValue('a!b&c#d$e^f<g>h-i', 'primary.cache.amazonaws.com')) as {
      token: string;
      url: string;
    };
    expect(value.token).toBe('a!b&c#d$e^f<g>h-i');
    expect(value.url).toBe('rediss://:a!b%26c%23d%24e%5Ef%3Cg%3Eh-i@primary.cache.amazonaws.com:6379');
    expect(decodeURIComponent(new URL(value.url).password)).toBe(value.token);
  });
  it('without an AUTH token (cache.tls false) CACHE_URL is plain env with no credentials', () => {
    const dev = talentResolved('dev');
    expect(dev.cache?.tls).toBe(false);
    const t = templateOf(dev);
    const task = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as {
      Properties: { ContainerDefinitions: (typeof container)[] };
    };
    const c = task.Properties.ContainerDefinitions[0]!;
    expect(c.Environment.find((e) => e.Name === 'CACHE_URL')?.Value).toEqual({
      'Fn::Join': [
        '',
        ['redis://', { 'Fn::GetAtt': ['CacheReplicationGroup', 'PrimaryEndPoint.Address'] }, ':6379'],
      ],
    });
    expect(c.Secrets?.some((s) => s.Name.startsWith('CACHE_'))).toBeFalsy();
    expect(t.findResources('AWS::SecretsManager::Secret').CacheConnection).toBeUndefined();
  });
  it('reads a user secret by name and JSON key', () => {
    const api = {
      ...prod.services.api!,
      secrets: { STRIPE_KEY: { secretName: 'talent/stripe', jsonKey: 'key' } },
    };
    const t = templateOf({ ...prod, services: { api } });
    const task = Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as {
      Properties: { ContainerDefinitions: (typeof container)[] };
    };
    const secret = task.Properties.ContainerDefinitions[0]!.Secrets.find((s) => s.Name === 'STRIPE_KEY');
    expect(JSON.stringify(secret?.ValueFrom)).toMatch(/secret:talent\/stripe:key::/);
  });
});
