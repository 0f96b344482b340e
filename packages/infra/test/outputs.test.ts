import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { OUTPUT_KEYS } from '@berthjs/config';
import { talentResolved, templateOf, withChanges } from './support';

type Outputs = Record<string, { Value: unknown; Description?: string }>;

let prod: Template;
let devWithBastion: Template;

beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
  const dev = talentResolved('dev');
  devWithBastion = templateOf(
    withChanges(dev, { bastion: { allowedCidrs: [], instanceType: 't4g.nano' } } as never),
  );
});

const outputs = (t: Template): Outputs => t.toJSON().Outputs as Outputs;
const refTo = (t: Template, type: string): string[] => Object.keys(t.findResources(type));

describe('runbook outputs', () => {
  it('names the cluster, each service and its log group, each job log group, under stable keys', () => {
    const o = outputs(prod);
    const [cluster] = refTo(prod, 'AWS::ECS::Cluster');
    expect(o[OUTPUT_KEYS.cluster]?.Value).toEqual({ Ref: cluster });
    expect(OUTPUT_KEYS.serviceName('api')).toBe('ServiceApiName');
    expect(o.ServiceApiName?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ServiceApiService/), 'Name'],
    });
    const logGroups = refTo(prod, 'AWS::Logs::LogGroup');
    const apiLogs = (o.ServiceApiLogGroup?.Value as { Ref: string }).Ref;
    expect(logGroups).toContain(apiLogs);
    expect(apiLogs).toMatch(/^ServiceApiLogs/);
    expect(o.JobSendRemindersLogGroup?.Value).toEqual({ Ref: apiLogs });
    expect(o.JobSendRemindersLogStreamPrefix?.Value).toBe('job-send-reminders');
  });

  it('names the database endpoint, identifier and secret ARN, and the cache endpoint and AUTH secret in prod', () => {
    const o = outputs(prod);
    expect(o.DatabaseEndpoint?.Value).toEqual({ 'Fn::GetAtt': ['DatabaseCluster', 'Endpoint.Address'] });
    expect(o.DatabaseIdentifier?.Value).toEqual({ Ref: 'DatabaseCluster' });
    expect(o.DatabaseKind?.Value).toBe('cluster');
    expect(o.DatabaseName?.Value).toBe('talent');
    const secrets = refTo(prod, 'AWS::SecretsManager::Secret');
    const dbSecret = o.DatabaseSecretArn?.Value as { Ref: string };
    expect(refTo(prod, 'AWS::SecretsManager::SecretTargetAttachment')).toContain(dbSecret.Ref);
    expect(o.CacheEndpoint?.Value).toEqual({
      'Fn::GetAtt': [expect.any(String), 'PrimaryEndPoint.Address'],
    });
    expect(o.CacheTls?.Value).toBe('true');
    expect(secrets).toContain((o.CacheAuthSecretArn?.Value as { Ref: string }).Ref);
    // Never a secret's value.
    expect(JSON.stringify(o)).not.toMatch(/resolve:secretsmanager|SecretString/);
    expect(o.BastionInstanceId).toBeUndefined();
  });

  it('names the bastion instance where there is one; dev without TLS has no cache secret', () => {
    const o = outputs(devWithBastion);
    const [instance] = refTo(devWithBastion, 'AWS::EC2::Instance');
    expect(o.BastionInstanceId?.Value).toEqual({ Ref: instance });
    expect(o.CacheTls?.Value).toBe('false');
    expect(o.CacheAuthSecretArn).toBeUndefined();
  });
});
