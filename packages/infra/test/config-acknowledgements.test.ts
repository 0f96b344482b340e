import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { runChecks, type CheckReport } from '../src/index';

const REASON = 'The sandbox key of the payment provider: it moves no money and is rotated weekly.';

/** Talent with three plain-env credentials, one of them acknowledged in the config, and one stale acknowledgement. */
const config = {
  ...talent,
  services: {
    api: {
      ...talent.services.api,
      env: {
        STRIPE_SECRET_KEY: 'sk_test_51HxAbCdEfGhIjKlMnOp',
        JWT_SIGNING_KEY: 'q8Zr2LwX9vTn4Bk7Yp1Hs6Jd3Fg0Mc5V',
        DATABASE_URL: 'postgres://app:hunter2@db.internal:5432/app',
      },
    },
  },
  acknowledgements: [
    { rule: 'Berth-SecretsNeverInPlainEnv', resource: 'ServiceApiTaskDefinition', reason: REASON },
    {
      rule: 'Berth-SecretsNeverInPlainEnv',
      resource: 'NoSuchResource',
      reason: 'Kept from an old layout, on purpose.',
    },
  ],
};

describe('acknowledgements in berth.config.ts', () => {
  let report: CheckReport;
  beforeAll(() => {
    report = runChecks(resolve(config, 'dev'), { skipGuard: true });
  });

  it('the three plain-env credentials are found, and the acknowledged ones carry the config reason', () => {
    const secrets = report.findings.filter((f) => f.rule === 'Berth-SecretsNeverInPlainEnv');
    expect([...new Set(secrets.map((f) => f.message.split(' ')[0]))].sort()).toEqual([
      'DATABASE_URL',
      'JWT_SIGNING_KEY',
      'STRIPE_SECRET_KEY',
    ]);
    // The service's own task definition is acknowledged; its jobs' task definitions (same env) are not: an
    // acknowledgement that names a resource covers that resource only.
    const service = secrets.filter((f) => /^ServiceApiTaskDefinition/.test(f.resource));
    expect(service).toHaveLength(3);
    for (const f of service) expect(f).toMatchObject({ acknowledged: REASON, acknowledgedBy: 'config' });
    const jobs = secrets.filter((f) => !/^ServiceApiTaskDefinition/.test(f.resource));
    expect(jobs.length).toBeGreaterThan(0);
    for (const f of jobs) expect(f.acknowledged).toBeUndefined();
  });

  it('an acknowledgement that matches no finding is itself reported', () => {
    expect(report.findings.filter((f) => f.rule === 'Berth-AcknowledgementUnused')).toEqual([
      expect.objectContaining({
        resource: 'acknowledgements.1',
        severity: 'warning',
        message: expect.stringContaining('matches no finding in dev'),
      }),
    ]);
  });

  it('without the acknowledgement the same findings are errors', () => {
    const plain = runChecks(resolve({ ...config, acknowledgements: [] }, 'dev'), { skipGuard: true });
    const secrets = plain.findings.filter((f) => f.rule === 'Berth-SecretsNeverInPlainEnv');
    // Three credentials in each task definition that carries the service's env: the service's and its jobs'.
    expect(secrets.length % 3).toBe(0);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const f of secrets) expect(f.acknowledged).toBeUndefined();
    expect(plain.errors).toBeGreaterThanOrEqual(3);
  });

  const issuesOf = (acknowledgements: unknown[]) => {
    try {
      resolve({ ...talent, acknowledgements }, 'dev');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues;
    }
    throw new Error('resolve accepted it');
  };

  it('a written reason is required', () => {
    const issues = issuesOf([
      { rule: 'Berth-SecretsNeverInPlainEnv', reason: 'ok' },
      { rule: 'AwsSolutions-IAM5' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(['acknowledgements.0.reason', 'acknowledgements.1.reason']);
    expect(issues[0]!.message).toMatch(/at least 20 characters/);
  });

  it('an environment it names must be declared', () => {
    expect(issuesOf([{ rule: 'AwsSolutions-IAM5', reason: REASON, environments: ['qa'] }])).toEqual([
      {
        path: 'acknowledgements.0.environments.0',
        message: 'got "qa"; expected one of the declared environments: dev, staging, prod',
      },
    ]);
  });
});
