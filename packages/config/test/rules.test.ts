import { describe, expect, it } from 'vitest';
import { newestCreatable, resolve } from '../src/index';
import { app, problems } from './fixtures';

/** Resolves and returns the problems, failing the test if the config was accepted. */
function expectProblem(cfg: unknown, pattern: RegExp, stage = 'prod') {
  const found = problems(cfg, stage);
  expect(
    found.some((p) => pattern.test(p)),
    `no problem matched ${pattern}; got:\n${found.join('\n')}`,
  ).toBe(true);
}

describe('cross-field rules (each names the path, the value given and what is allowed)', () => {
  it('prod with no way to serve HTTPS is refused, naming what to set', () => {
    const noDomain = app({ edge: { domain: undefined } });
    expectProblem(
      noDomain,
      /^edge: prod serves HTTPS.*set edge\.domain.*edge\.certificate.*edge\.https: false/,
    );
    expect(() => resolve(noDomain, 'staging')).not.toThrow();
    expect(resolve(app({ edge: { domain: undefined, https: false } }), 'prod').edge.https).toBe(false);
    const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
    expect(resolve(app({ edge: { domain: undefined, certificate: arn } }), 'prod').edge).toMatchObject({
      https: true,
      certificate: arn,
    });
  });
  it('cpu must be a Fargate vCPU value', () => {
    expectProblem(
      app({ services: { api: { cpu: 0.3 } } }),
      /^services\.api\.cpu: got 0\.3; allowed vCPU values: 0\.25, 0\.5, 1, 2, 4, 8, 16/,
    );
  });
  it('memory must be valid for the cpu', () => {
    expectProblem(
      app({ services: { api: { cpu: 0.25, memory: '4 GB' } } }),
      /^services\.api\.memory: got 4096 MB.*cpu 0\.25; allowed: 512 MB, 1024 MB, 2048 MB/,
    );
    expectProblem(
      app({ services: { api: { cpu: 1, memory: '1 GB' } } }),
      /services\.api\.memory: got 1024 MB.*allowed: 2048–8192 MB in steps of 1024 MB/,
    );
  });
  it('memory must be a size', () => {
    expectProblem(
      app({ services: { api: { memory: 'lots' } } }),
      /^services\.api\.memory: got "lots"; expected a size such as '512 MB'/,
    );
  });
  it('job sizes follow the same Fargate table', () => {
    expectProblem(
      app({ jobs: { nightly: { size: { cpu: 2, memory: '1 GB' } } } }),
      /^jobs\.nightly\.size\.memory: got 1024 MB/,
    );
  });
  it('minAcu ≤ maxAcu', () => {
    expectProblem(
      app({ database: { minAcu: 8, maxAcu: 4 } }),
      /^database: minAcu \(8\) must be ≤ maxAcu \(4\)/,
    );
  });
  it('ACU values come in steps of 0.5 within range', () => {
    expectProblem(
      app({ database: { maxAcu: 300 } }),
      /^database\.maxAcu: got 300; allowed: 1–256 in steps of 0\.5/,
    );
    expectProblem(app({ database: { minAcu: 0.3 } }), /^database\.minAcu: got 0\.3; allowed: 0–256/);
  });
  it('auto-pause only where the engine version allows 0 ACU (minimums from the engine catalog)', () => {
    expectProblem(
      app({ database: { minAcu: 0, version: '14.6' } }),
      /^database\.minAcu: 0 ACU with auto-pause needs Aurora PostgreSQL 13\.15\+, 14\.12\+.*version is "14\.6"/,
    );
    expect(resolve(app({ database: { minAcu: 0, version: '15.8' } }), 'prod').database).toMatchObject({
      autoPause: 5,
    });
  });
  it('database versions AWS no longer creates are refused, naming the nearest allowed ones', () => {
    // RDS stopped creating PostgreSQL 16.4 (cfn-lint W3691); 16.5–16.8 ended on 2026-05-01.
    expectProblem(
      app({ database: { engine: 'postgres', version: '16.4' } }),
      /^database\.version: got "16\.4"; RDS for PostgreSQL no longer creates it .*nearest allowed: 16\.11, 16\.12, 16\.13$/,
    );
    expectProblem(
      app({ database: { version: '12.9' } }),
      /^database\.version: got "12\.9"; Aurora PostgreSQL no longer creates it .*nearest allowed: 13\.23, 14\.22$/,
    );
    expect(
      resolve(app({ database: { engine: 'postgres', version: '16.13' } }), 'prod').database?.version,
    ).toBe('16.13');
  });
  it('defaults are the newest versions the catalog lists', () => {
    const { database } = app();
    expect(resolve(app({ database: { ...database, version: undefined } }), 'prod').database?.version).toBe(
      newestCreatable('aurora-postgresql'),
    );
    expect(
      resolve(app({ database: { engine: 'postgres', version: undefined } }), 'prod').database?.version,
    ).toBe(newestCreatable('postgres'));
    expect(resolve(app({ cache: { engine: 'valkey' } }), 'prod').cache?.version).toBe(
      newestCreatable('valkey'),
    );
  });
  it('cache versions ElastiCache does not create are refused with the allowed list', () => {
    expectProblem(
      app({ cache: { engine: 'redis', version: '5.0.6' } }),
      /^cache\.version: got "5\.0\.6"; ElastiCache does not create redis 5\.0\.6 .*allowed: 6\.2, 7\.0, 7\.1$/,
    );
  });
  it('auto-pause needs minAcu 0, and 5–1440 minutes', () => {
    expectProblem(
      app({ database: { minAcu: 1, autoPause: 10 } }),
      /^database\.autoPause: auto-pause needs minAcu 0; minAcu is 1/,
    );
    expectProblem(
      app({ database: { minAcu: 0, autoPause: 2 } }),
      /^database\.autoPause: got 2; allowed: 5–1440 minutes/,
    );
  });
  it('engine-specific settings are refused on the other engine', () => {
    expectProblem(
      app({ database: { instanceClass: 'db.t3.micro' } }),
      /^database\.instanceClass: applies only to engine 'postgres'/,
    );
    expectProblem(
      app({ database: { engine: 'postgres', maxAcu: 4 } }),
      /^database\.maxAcu: applies only to engine 'aurora-serverless-v2'/,
    );
  });
  it('Multi-AZ needs ≥ 2 AZs', () => {
    expectProblem(
      app({ network: { azs: 1 }, database: { multiAz: true } }),
      /^database\.multiAz: Multi-AZ needs ≥ 2 AZs; network\.azs is 1/,
    );
  });
  it("NAT 'none' needs endpoints or public tasks", () => {
    expectProblem(
      app({ mail: undefined, network: { nat: 'none', endpoints: ['s3'] } }),
      /^network\.endpoints: with nat 'none' and private tasks.*missing: ecr, logs, secretsmanager/,
    );
    expect(
      resolve(app({ mail: undefined, network: { nat: 'none', publicTasks: true } }), 'prod').network
        .publicTasks,
    ).toBe(true);
  });
  it("NAT 'none' with private tasks cannot pull an image from outside ECR", () => {
    expectProblem(
      app({
        mail: undefined,
        network: { nat: 'none' },
        services: { api: { image: { uri: 'ghcr.io/o/app:1' } } },
      }),
      /^services\.api\.image: an image from outside ECR cannot be pulled/,
    );
  });
  it("NAT 'none' with private tasks reaches SES only through its endpoint", () => {
    expectProblem(
      app({ network: { nat: 'none', endpoints: ['s3', 'ecr', 'logs', 'secretsmanager'] } }),
      /^network\.endpoints: mail is sent through the SES API.*add 'ses'/,
    );
    expect(resolve(app({ network: { nat: 'none' } }), 'prod').network.endpoints).toContain('ses');
  });
  it('prod can never destroy stateful data', () => {
    expectProblem(
      app({ removal: 'destroy' }),
      /^removal: got "destroy"; a prod environment may never destroy stateful data/,
    );
    expect(resolve(app({ removal: 'destroy' }), 'dev').removal).toBe('destroy');
  });
  it('a job must name a declared service', () => {
    expectProblem(
      app({ jobs: { nightly: { service: 'worker' } } }),
      /^jobs\.nightly\.service: got "worker"; no such service; declared: api, cms/,
    );
  });
  it('schedules use EventBridge syntax', () => {
    expectProblem(
      app({ jobs: { nightly: { schedule: '0 3 * * *' } } }),
      /^jobs\.nightly\.schedule: got "0 3 \* \* \*"; expected 'rate/,
    );
    expectProblem(
      app({ jobs: { nightly: { schedule: 'cron(0 3 * * *)' } } }),
      /a cron expression has 6 fields/,
    );
    expectProblem(
      app({ jobs: { nightly: { schedule: 'cron(0 3 * * 1 *)' } } }),
      /one of day-of-month or day-of-week must be '\?'/,
    );
    expectProblem(
      app({ jobs: { nightly: { schedule: 'rate(1 hours)' } } }),
      /use the singular: rate\(1 hour\)/,
    );
  });
  it('an override must name a declared service, job or bucket', () => {
    expectProblem(
      app({
        environments: { dev: {}, staging: {}, prod: { overrides: { services: { worker: { cpu: 1 } } } } },
      }),
      /^environments\.prod\.overrides\.services\.worker: overrides a service the app does not declare; declared: api, cms/,
    );
  });
  it('two services cannot claim one host, and only one is the default', () => {
    expectProblem(
      app({ services: { cms: { hosts: ['api'] } } }),
      /^services\.cms\.hosts: host "api\.shop\.example\.com" is already routed to service 'api'/,
    );
    expectProblem(
      app({ services: { api: { default: true }, cms: { default: true } } }),
      /^services: only one service may be the default/,
    );
  });
  it('a service may only use declared stores', () => {
    expectProblem(
      app({ services: { api: { uses: { buckets: ['photos'] } } } }),
      /^services\.api\.uses\.buckets: unknown bucket "photos"; declared: uploads/,
    );
    expectProblem(
      app({ cache: undefined, services: { api: { uses: { cache: true } } } }),
      /^services\.api\.uses\.cache: the app declares no cache/,
    );
  });
  it('env and secrets may not redefine contract names', () => {
    expectProblem(
      app({ services: { api: { env: { PORT: '1' } } } }),
      /^services\.api\.env\.PORT: PORT is set by Berth/,
    );
    expectProblem(
      app({ services: { api: { secrets: { DATABASE_SECRET: 'x' } } } }),
      /^services\.api\.secrets\.DATABASE_SECRET: DATABASE_SECRET is set by Berth/,
    );
    expectProblem(
      app({ services: { api: { secrets: { API_KEY: 'a:b:c' } } } }),
      /expected 'secret-name' or 'secret-name:json-key'/,
    );
  });
  it('scaling: min ≤ max and a metric to scale on', () => {
    expectProblem(
      app({ services: { api: { scaling: { min: 5, max: 2 } } } }),
      /^services\.api\.scaling: min \(5\) must be ≤ max \(2\)/,
    );
    expectProblem(
      app({ services: { api: { scaling: { cpu: false, memory: false } } } }),
      /no metric left to scale on/,
    );
    expectProblem(
      app({ services: { api: { scaling: { cpu: 99 } } } }),
      /^services\.api\.scaling\.cpu: got 99; a target utilisation is 10–95/,
    );
  });
  it('ports and stop timeouts stay in range', () => {
    expectProblem(
      app({ services: { api: { port: 70000 } } }),
      /^services\.api\.port: got 70000; allowed: 1–65535/,
    );
    expectProblem(
      app({ services: { api: { stopTimeout: 500 } } }),
      /^services\.api\.stopTimeout: got 500; ECS allows 2–120 seconds/,
    );
  });
  it('mail: from at the domain, allow-list entries are addresses or @domains', () => {
    expectProblem(
      app({ mail: { from: 'hi@other.org' } }),
      /^mail\.from: got "hi@other\.org"; the address must be at the sending domain/,
    );
    expectProblem(
      app({ mail: { allowList: ['nobody'] } }),
      /^mail\.allowList\.0: got "nobody"; expected an address/,
      'dev',
    );
  });
  it('edge: CloudFront ingress needs the CDN and the CDN needs CloudFront ingress', () => {
    expectProblem(app({ edge: { ingress: 'cloudfront' } }), /^edge\.ingress: 'cloudfront' needs cdn: true/);
    expectProblem(
      app({ edge: { cdn: true, ingress: 'anywhere' } }),
      /^edge\.ingress: got "anywhere"; with cdn: true/,
    );
    expectProblem(
      app({ edge: { ingress: ['10.0.0.0/33'] } }),
      /^edge\.ingress\.0: got "10\.0\.0\.0\/33"; expected an IPv4 CIDR/,
    );
  });
  it('edge: HTTPS needs a certificate source', () => {
    expectProblem(
      app({ edge: { domain: undefined, https: true } }),
      /^edge\.https: HTTPS needs a certificate/,
    );
    expectProblem(
      app({ edge: { certificate: 'my-cert' } }),
      /^edge\.certificate: got "my-cert"; expected 'create' or an ACM certificate ARN/,
    );
  });
  it('bastion: SSH ranges need a key and must be narrow', () => {
    expectProblem(
      app({ bastion: { allowedCidrs: ['203.0.113.7/32'] } }),
      /^bastion\.allowedCidrs: SSH needs keyName/,
    );
    expectProblem(
      app({ bastion: { keyName: 'k', allowedCidrs: ['0.0.0.0/0'] } }),
      /^bastion\.allowedCidrs\.0: got "0\.0\.0\.0\/0"; a bastion admits single hosts or small ranges/,
    );
  });
  it('alarms that tell nobody are refused', () => {
    expectProblem(
      app({ alarms: { enabled: true, emails: [] } }),
      /^alarms: enabled, but nobody would be told/,
    );
  });
  it('log retention must be a CloudWatch value', () => {
    expectProblem(
      app({ logRetentionDays: 10 }),
      /^logRetentionDays: got 10; allowed \(CloudWatch\): 1, 3, 5, 7, 14/,
    );
  });
  it('standby: another region, and a database to replicate', () => {
    expectProblem(
      app({ standby: { region: 'us-east-1' } }),
      /^standby\.region: got "us-east-1"; must differ from the primary region/,
    );
    expectProblem(
      app({ database: undefined, standby: { region: 'us-west-2' } }),
      /^standby: a pilot-light standby replicates the database/,
    );
  });
  it('imagesFrom names another environment', () => {
    expectProblem(
      app({ environments: { dev: {}, prod: { imagesFrom: 'qa' } } }),
      /^environments\.prod\.imagesFrom: got "qa"; allowed: dev/,
    );
    expect(
      resolve(
        app({ environments: { dev: { account: '111111111111' }, prod: { imagesFrom: 'dev' } } }),
        'prod',
      ).imagesFrom,
    ).toEqual({
      stage: 'dev',
      account: '111111111111',
      region: 'us-east-1',
    });
  });
  it('an environment not named dev/staging/prod must say its profile', () => {
    expectProblem(app({ environments: { qa: {} } }), /^environments\.qa\.profile: required/, 'qa');
  });
  it('an unknown environment lists the declared ones', () => {
    expectProblem(
      app(),
      /^environments: no environment named "preview"; declared: dev, staging, prod/,
      'preview',
    );
  });
  it('a misspelt key is named with the keys allowed there', () => {
    expectProblem(
      app({ services: { api: { cpus: 1 } } }),
      /^services\.api\.cpus: unknown setting 'cpus'; allowed here: port, health/,
    );
  });
  it('wrong types say what was expected and what was given', () => {
    expectProblem(
      app({ services: { api: { port: '80' } } }),
      /^services\.api\.port: expected number, got "80"/,
    );
    expectProblem(
      app({ network: { nat: 'always' } }),
      /^network\.nat: got "always"; allowed: "none", "single", "per-az"/,
    );
  });
  it("EC2 capacity: only with an 'ec2' service, with a sane instance range", () => {
    expectProblem(app({ ec2: { instanceType: 't3.large' } }), /^ec2: no service has capacity 'ec2'/);
    expectProblem(
      app({ services: { api: { capacity: 'ec2' } }, ec2: { minInstances: 4, maxInstances: 2 } }),
      /^ec2\.maxInstances: got 2; must be ≥ 1 and ≥ minInstances \(4\)/,
    );
    expect(resolve(app({ services: { api: { capacity: 'ec2' } } }), 'prod').ec2).toEqual({
      instanceType: 't3.medium',
      minInstances: 1,
      // Unset, the ceiling holds prod's 20 api tasks at 2 per t3.medium (by-hand.test.ts).
      maxInstances: 10,
      targetCapacityPercent: 100,
    });
  });
  it("env files name a declared bucket and a '.env' key", () => {
    expectProblem(
      app({ services: { api: { envFiles: ['config/api.env'] } } }),
      /^services\.api\.envFiles\.0: got "config\/api\.env"; expected '<bucket>\/<key>' with a declared bucket \(uploads\)/,
    );
    expectProblem(
      app({ services: { api: { envFiles: ['uploads/api.txt'] } } }),
      /ECS reads env files whose names end in '\.env'/,
    );
    expect(
      resolve(app({ services: { api: { envFiles: ['uploads/env/api.env'] } } }), 'dev').services.api!
        .envFiles,
    ).toEqual([{ bucket: 'uploads', key: 'env/api.env' }]);
  });
  it('every problem is reported at once', () => {
    const found = problems(
      app({ services: { api: { cpu: 0.3 } }, database: { minAcu: 8, maxAcu: 4 }, removal: 'destroy' }),
    );
    expect(found.length).toBeGreaterThanOrEqual(3);
  });
  it('not an object at all is a ConfigError, not a TypeError', () => {
    expectProblem(null, /expected object/);
    expectProblem('talent', /expected object/);
  });
});

describe('every problem at once, across the schema and the semantic rules', () => {
  it('lists a schema error beside semantic rules broken elsewhere, in one run', () => {
    const found = problems(
      app({
        name: '',
        services: { api: { port: 'eighty', cpu: 3.7 } },
        jobs: { nightly: { schedule: 'every day', service: 'ghost' } },
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^name: got ""; /),
      expect.stringMatching(/^services\.api\.port: expected number, got "eighty"/),
      expect.stringMatching(/^services\.api\.cpu: got 3\.7; allowed vCPU values/),
      expect.stringMatching(/^jobs\.nightly\.schedule: got "every day"; /),
      expect.stringMatching(/^jobs\.nightly\.service: got "ghost"; no such service; declared: api, cms/),
    ]);
  });
  it('a service the schema refused still counts as declared for the jobs that run on it', () => {
    const found = problems(
      app({ services: { api: { port: 'eighty' } }, jobs: { nightly: { service: 'api' } } }),
    );
    expect(found).toEqual([expect.stringMatching(/^services\.api\.port: /)]);
  });
  it('a section the schema refused hides no rule of its own, and invents none', () => {
    // The database is refused as a whole; services using it are not told "the app declares no database".
    const found = problems(
      app({ database: 'yes', services: { api: { cpu: 0.3, uses: { database: true } } } }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^database: /),
      expect.stringMatching(/^services\.api\.cpu: got 0\.3/),
    ]);
  });
});
