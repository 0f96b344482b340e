import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { contractFor } from '@berthjs/config';
import { talentResolved, templateOf } from './support';

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
    expect(value('CACHE_URL')).toEqual({
      'Fn::Join': [
        '',
        ['rediss://', { 'Fn::GetAtt': ['CacheReplicationGroup', 'PrimaryEndPoint.Address'] }, ':6379'],
      ],
    });
    expect(value('MAIL_CONFIGURATION_SET')).toBe('talent-prod');
    // The events queue's URL is its Ref (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values).
    expect(value('MAIL_EVENTS_QUEUE_URL')).toEqual({ Ref: expect.stringMatching(/^MailEventsQueue/) });
    expect(value('AUTH_AUDIENCE')).toBe('talent-api');
    expect(value('PORT')).toBe('3000');
    expect(container.Secrets.find((s) => s.Name === 'CACHE_AUTH_TOKEN')?.ValueFrom).toEqual({
      Ref: 'CacheAuthToken',
    });
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
