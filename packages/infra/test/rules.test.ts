import { beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitBreakerWithRollback,
  ContainerMatchesTargetGroup,
  ContractSatisfied,
  HealthCheckNeedsNothing,
  JobsCarryContract,
  SecretsNeverInPlainEnv,
  StatefulNeverDestroyedInProd,
  type Template,
} from '../src/rules/index';
import { talentResolved, templateOf } from './support';

type Mutable = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;
};
const prod = talentResolved('prod');
let compliant: Template;
const copy = (): Mutable => structuredClone(compliant) as Mutable;
const ofType = (t: Mutable, type: string) => Object.values(t.Resources).find((r) => r.Type === type)!;
const container = (t: Mutable) =>
  (ofType(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as Record<string, unknown>[])[0]!;

beforeAll(() => {
  compliant = templateOf(prod).toJSON() as Template;
});

describe('ContractSatisfied', () => {
  it('passes the synthesized template', () =>
    expect(ContractSatisfied.check({ template: compliant, resolved: prod })).toEqual([]));
  it('names a required variable the task lacks', () => {
    const t = copy();
    const c = container(t);
    c.Environment = (c.Environment as { Name: string }[]).filter((e) => e.Name !== 'BUCKET_RESUMES');
    c.Secrets = (c.Secrets as { Name: string }[]).filter((e) => e.Name !== 'DATABASE_SECRET');
    const messages = ContractSatisfied.check({ template: t, resolved: prod }).map((v) => v.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "BUCKET_RESUMES is missing from the container's environment",
        "DATABASE_SECRET (secret) is missing from the container's secrets",
      ]),
    );
  });
});

describe('ContractSatisfied: the libpq and region variables', () => {
  it('the synthesized task carries PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE, AWS_DEFAULT_REGION plainly and PGPASSWORD as the secret password key', () => {
    const c = container(copy());
    const env = Object.fromEntries(
      (c.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
    );
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSSLMODE', 'AWS_DEFAULT_REGION']),
    );
    expect(env).toMatchObject({
      PGPORT: '5432',
      PGUSER: 'berth',
      PGSSLMODE: 'require',
      AWS_DEFAULT_REGION: prod.region,
    });
    expect(env).not.toHaveProperty('PGPASSWORD');
    const pw = (c.Secrets as { Name: string; ValueFrom: unknown }[]).find((e) => e.Name === 'PGPASSWORD');
    expect(JSON.stringify(pw?.ValueFrom)).toMatch(/:password::/);
  });
  it('names PGPASSWORD taken from the whole secret instead of its password key, and one in plain env', () => {
    const t = copy();
    const c = container(t);
    const secrets = c.Secrets as { Name: string; ValueFrom: unknown }[];
    const whole = secrets.find((e) => e.Name === 'DATABASE_SECRET')!.ValueFrom;
    c.Secrets = secrets.map((e) => (e.Name === 'PGPASSWORD' ? { ...e, ValueFrom: whole } : e));
    c.Environment = [...(c.Environment as object[]), { Name: 'PGPASSWORD', Value: 'x' }];
    const messages = ContractSatisfied.check({ template: t, resolved: prod }).map((v) => v.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "PGPASSWORD must come from the secret's 'password' key (…:password::)",
        "PGPASSWORD is a secret but also in the container's plain environment",
      ]),
    );
  });
  it('names a missing PGHOST', () => {
    const t = copy();
    const c = container(t);
    c.Environment = (c.Environment as { Name: string }[]).filter((e) => e.Name !== 'PGHOST');
    expect(ContractSatisfied.check({ template: t, resolved: prod }).map((v) => v.message)).toContain(
      "PGHOST is missing from the container's environment",
    );
  });
});

describe('ContainerMatchesTargetGroup', () => {
  it('passes the synthesized template', () =>
    expect(ContainerMatchesTargetGroup.check({ template: compliant, resolved: prod })).toEqual([]));
  it('flags a health path that differs from the contract', () => {
    const t = copy();
    ofType(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties.HealthCheckPath = '/';
    expect(ContainerMatchesTargetGroup.check({ template: t, resolved: prod })[0]?.message).toMatch(
      /health check path \/; contract health path is \/health/,
    );
  });
});

describe('HealthCheckNeedsNothing', () => {
  it('passes the synthesized template, whose containers have no health check of their own', () => {
    expect(HealthCheckNeedsNothing.check({ template: compliant, resolved: prod })).toEqual([]);
    expect(container(copy()).HealthCheck).toBeUndefined();
  });
  it('flags a health check calling curl in an image not declared to have it', () => {
    const t = copy();
    container(t).HealthCheck = { Command: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:3000/health'] };
    expect(HealthCheckNeedsNothing.check({ template: t, resolved: prod })[0]?.message).toMatch(
      /health check calls curl, which the image is not known to have; declare it in services\.api\.imageHas/,
    );
  });
  it('passes the same check when the service declares imageHas: [curl]', () => {
    const t = copy();
    container(t).HealthCheck = { Command: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:3000/health'] };
    const declared = {
      ...prod,
      services: { ...prod.services, api: { ...prod.services.api!, imageHas: ['curl'] } },
    };
    expect(HealthCheckNeedsNothing.check({ template: t, resolved: declared })).toEqual([]);
  });
});

describe('SecretsNeverInPlainEnv', () => {
  it('passes the synthesized template', () =>
    expect(SecretsNeverInPlainEnv.check({ template: compliant, resolved: prod })).toEqual([]));
  it('flags a contract secret and a credential-looking name in plain env', () => {
    const t = copy();
    const c = container(t);
    c.Environment = [
      ...(c.Environment as object[]),
      { Name: 'DATABASE_SECRET', Value: 'x' },
      { Name: 'STRIPE_API_KEY', Value: 'sk_live' },
    ];
    expect(SecretsNeverInPlainEnv.check({ template: t, resolved: prod }).map((v) => v.message)).toEqual([
      "DATABASE_SECRET is a secret in the contract but is plain env in container 'api'",
      "STRIPE_API_KEY looks like a credential by its name and is plain env in container 'api'",
    ]);
  });
  it('catches STRIPE_SECRET_KEY, JWT_SIGNING_KEY by name and a DATABASE_URL with a password by value, never echoing it', () => {
    const t = copy();
    const c = container(t);
    c.Environment = [
      ...(c.Environment as object[]),
      { Name: 'STRIPE_SECRET_KEY', Value: 'sk_live_51HxAbCdEfGhIjKlMnOp' },
      { Name: 'JWT_SIGNING_KEY', Value: 'correct horse battery staple' },
      { Name: 'DATABASE_URL', Value: 'postgres://app:hunter2@db.internal:5432/app' },
      { Name: 'UPSTREAM', Value: 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' },
      { Name: 'SIGNING', Value: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE' },
    ];
    const messages = SecretsNeverInPlainEnv.check({ template: t, resolved: prod }).map((v) => v.message);
    expect(messages).toEqual([
      "STRIPE_SECRET_KEY looks like a credential by its name and is plain env in container 'api'",
      "JWT_SIGNING_KEY looks like a credential by its name and is plain env in container 'api'",
      "DATABASE_URL holds what looks like a URL with a password and is plain env in container 'api'",
      "UPSTREAM holds what looks like a GitHub token and is plain env in container 'api'",
      "SIGNING holds what looks like a PEM private key and is plain env in container 'api'",
    ]);
    expect(messages.join('\n')).not.toMatch(/hunter2|sk_live_51|ghp_a|MHcCAQEE/);
  });
  it('covers job task definitions too', () => {
    const t = copy();
    const jobTask = Object.values(t.Resources).find(
      (r) =>
        r.Type === 'AWS::ECS::TaskDefinition' && String(r.Properties.Family ?? '').includes('send-reminders'),
    )!;
    const c = (jobTask.Properties.ContainerDefinitions as Record<string, unknown>[])[0]!;
    c.Environment = [...(c.Environment as object[]), { Name: 'SMTP_URL', Value: 'smtp://u:p4ss@mail:25' }];
    expect(SecretsNeverInPlainEnv.check({ template: t, resolved: prod }).map((v) => v.message)).toEqual([
      expect.stringMatching(/^SMTP_URL holds what looks like a URL with a password/),
    ]);
  });
});

describe('StatefulNeverDestroyedInProd', () => {
  it('passes the synthesized template', () =>
    expect(StatefulNeverDestroyedInProd.check({ template: compliant, resolved: prod })).toEqual([]));
  it('flags a prod bucket that would be deleted', () => {
    const t = copy();
    t.Resources.BucketResumes!.DeletionPolicy = 'Delete';
    expect(StatefulNeverDestroyedInProd.check({ template: t, resolved: prod })).toEqual([
      {
        resource: 'BucketResumes',
        message: 'AWS::S3::Bucket has DeletionPolicy Delete; prod allows Retain or Snapshot',
      },
    ]);
  });
  it('does not apply outside prod', () => {
    const t = copy();
    t.Resources.BucketResumes!.DeletionPolicy = 'Delete';
    expect(StatefulNeverDestroyedInProd.check({ template: t, resolved: talentResolved('dev') })).toEqual([]);
  });
});

describe('CircuitBreakerWithRollback', () => {
  it('passes the synthesized template', () =>
    expect(CircuitBreakerWithRollback.check({ template: compliant, resolved: prod })).toEqual([]));
  it('flags a service without rollback', () => {
    const t = copy();
    ofType(t, 'AWS::ECS::Service').Properties.DeploymentConfiguration = {
      DeploymentCircuitBreaker: { Enable: true, Rollback: false },
      MinimumHealthyPercent: 50,
    };
    expect(CircuitBreakerWithRollback.check({ template: t, resolved: prod })).toHaveLength(2);
  });
  it('flags a canary service that no alarm rolls back', () => {
    const t = copy();
    ofType(t, 'AWS::ECS::Service').Properties.DeploymentConfiguration = {
      Strategy: 'CANARY',
      Alarms: { Enable: true, Rollback: false, AlarmNames: ['a'] },
      MinimumHealthyPercent: 100,
    };
    expect(CircuitBreakerWithRollback.check({ template: t, resolved: prod })).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/CANARY deployment rolls back on its alarms/),
      }),
    ]);
  });
});

describe('JobsCarryContract', () => {
  it('passes the synthesized template', () =>
    expect(JobsCarryContract.check({ template: compliant, resolved: prod })).toEqual([]));
  it("names a job whose task definition lacks its service's contract", () => {
    const t = copy();
    const job = Object.values(t.Resources).find(
      (r) =>
        r.Type === 'AWS::ECS::TaskDefinition' && r.Properties.Family === 'talent-prod-job-send-reminders',
    )!;
    const c = (job.Properties.ContainerDefinitions as Record<string, unknown>[])[0]!;
    c.Secrets = (c.Secrets as { Name: string }[]).filter((e) => e.Name !== 'DATABASE_SECRET');
    expect(JobsCarryContract.check({ template: t, resolved: prod }).map((v) => v.message)).toEqual([
      "job 'send-reminders' lacks DATABASE_SECRET (secret) of service 'api'",
    ]);
  });
  it('names a job without a schedule', () => {
    const t = copy();
    for (const [id, r] of Object.entries(t.Resources))
      if (r.Type === 'AWS::Scheduler::Schedule') delete t.Resources[id];
    expect(JobsCarryContract.check({ template: t, resolved: prod }).map((v) => v.message)).toContain(
      'no schedule named talent-prod-send-reminders',
    );
  });
});
