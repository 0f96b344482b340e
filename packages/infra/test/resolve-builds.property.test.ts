import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import { buildApp } from '../src/index';

/**
 * `berth config` passing and `berth synth` failing must be impossible: every config `resolve` accepts builds.
 *
 * What it covers: each generated config is resolved for every profile (dev, staging, prod); one accepted environment
 * per config, the profile rotating, has its whole Stage constructed (`buildApp`: every stack and construct, where
 * Berth's constructs validate and throw). Every 80th is also fully synthesized (`app.synth()`: the CDK's own
 * validations, token resolution, template output).
 * Configs are drawn around the interesting boundaries (cdn/https/domain, standby/DNS, NAT/endpoints, EC2 arch,
 * host and path counts, Aurora/RDS sizes), so a good share is accepted and the rest is refused with a ConfigError.
 */
const RUNS = Number(process.env.BERTH_PROPERTY_RUNS ?? 2000);
/** Every this-many built environments is also fully synthesized (a synth costs ~20 constructions). */
const SYNTH_EVERY = 80;
const PROFILES = ['dev', 'staging', 'prod'] as const;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** Present in one draw of `1 + absent`: for sections whose rules refuse most combinations. */
const rarely = <T>(arb: fc.Arbitrary<T>, absent: number) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: 1 });
const label = fc.constantFrom('api', 'www', 'admin', 'docs.example.org', '*.example.net');

const service = fc
  .record(
    {
      port: maybe(fc.constantFrom(80, 3000, 8080)),
      size: maybe(fc.constantFrom([0.25, '512 MB'], [0.5, '1 GB'], [1, '2 GB'], [2, '4 GB'], [0.25, '4 GB'])),
      arch: maybe(fc.constantFrom('x86_64' as const, 'arm64' as const)),
      capacity: rarely(fc.constantFrom('fargate' as const, 'fargate-spot' as const, 'ec2' as const), 1),
      hosts: maybe(fc.uniqueArray(label, { maxLength: 3 })),
      paths: maybe(
        fc.uniqueArray(fc.constantFrom('/api/*', '/docs/*', '/v1/*', '/static/*'), { maxLength: 3 }),
      ),
      scaling: maybe(
        fc.oneof(
          fc.constant(false as const),
          fc.record({
            min: maybe(fc.integer({ min: 0, max: 3 })),
            max: maybe(fc.integer({ min: 1, max: 8 })),
          }),
          fc.record({ requests: fc.constantFrom(100, 1000), cpu: fc.constant(false as const) }),
        ),
      ),
      image: maybe(fc.constantFrom({ uri: 'ghcr.io/acme/app:1.0.0' }, { dockerfile: 'Dockerfile' })),
      env: maybe(fc.constantFrom({ FEATURE_X: 'on' }, { LOG_LEVEL: 'debug' })),
      secrets: maybe(fc.constantFrom({ STRIPE_KEY: 'stripe:key' }, { API_TOKEN: 'third-party' })),
      // Opting out of buckets and mail is what makes a standby possible.
      uses: maybe(fc.constantFrom({ buckets: [] }, { buckets: [], mail: false })),
    },
    { requiredKeys: [] },
  )
  .map(({ size, ...s }) => (size ? { ...s, cpu: size[0] as number, memory: size[1] as string } : s));

const database = fc.oneof(
  fc.record(
    {
      engine: fc.constant('aurora-serverless-v2' as const),
      version: maybe(fc.constantFrom('16.4', '15.8', '17.9')),
      minAcu: maybe(fc.constantFrom(0, 0.5, 2)),
      maxAcu: maybe(fc.constantFrom(1, 4, 16)),
      multiAz: maybe(fc.boolean()),
      readReplica: maybe(fc.boolean()),
    },
    { requiredKeys: ['engine'] },
  ),
  fc.record(
    {
      engine: fc.constant('postgres' as const),
      version: maybe(fc.constantFrom('16.13', '14.22')),
      instanceClass: maybe(fc.constantFrom('db.t3.micro', 'db.t4g.small')),
      multiAz: maybe(fc.boolean()),
      readReplica: maybe(fc.boolean()),
    },
    { requiredKeys: ['engine'] },
  ),
);

const edge = fc.record(
  {
    domain: maybe(fc.constant('shop.example.com')),
    cdn: maybe(fc.boolean()),
    https: maybe(fc.boolean()),
    dns: maybe(fc.constantFrom('route53' as const, 'external' as const)),
    hostedZoneId: maybe(fc.constant('Z0123456789ABCDEFGHIJ')),
    ingress: maybe(fc.constantFrom('anywhere' as const, 'cloudfront' as const, 'cloudflare' as const)),
    accessLogs: maybe(fc.boolean()),
  },
  { requiredKeys: [] },
);

const network = fc.record(
  {
    azs: maybe(fc.constantFrom(2, 3)),
    nat: maybe(fc.constantFrom('none' as const, 'single' as const, 'per-az' as const)),
    publicTasks: maybe(fc.boolean()),
    endpoints: maybe(fc.constantFrom('auto' as const, ['s3', 'ecr', 'logs', 'secretsmanager'] as const)),
  },
  { requiredKeys: [] },
);

export const configArb: fc.Arbitrary<AppConfig> = fc
  .record(
    {
      region: maybe(fc.constantFrom('us-east-1', 'eu-west-1')),
      services: fc.dictionary(fc.constantFrom('api', 'web', 'worker'), service, { minKeys: 1, maxKeys: 3 }),
      database: maybe(database),
      cache: maybe(fc.record({ tls: maybe(fc.boolean()) }, { requiredKeys: [] })),
      buckets: maybe(fc.constant({ uploads: { versioned: true } })),
      mail: maybe(fc.constant({ domain: 'shop.example.com', from: 'Shop <hi@shop.example.com>' })),
      jobs: maybe(fc.constant({ nightly: { schedule: 'cron(0 3 * * ? *)', command: ['node', 'job.js'] } })),
      edge: maybe(edge),
      network: maybe(network),
      bastion: maybe(fc.constantFrom({}, { allowedCidrs: ['203.0.113.7/32'], keyName: 'ops' })),
      alarms: maybe(fc.constant({ emails: ['ops@example.com'] })),
      ec2: maybe(fc.record({ instanceType: fc.constantFrom('t3.medium', 'm7g.large') })),
      standby: rarely(fc.record({ region: fc.constantFrom('us-west-2', 'eu-central-1') }), 4),
      github: maybe(fc.constant({ repository: 'acme/shop' })),
    },
    { requiredKeys: ['services'] },
  )
  .map(({ ec2, ...c }) => ({
    name: 'shop',
    ...c,
    // An ec2 section only where a service asks for EC2 capacity (else it is refused: tested in config's rules).
    ...(ec2 && Object.values(c.services).some((s) => s.capacity === 'ec2') ? { ec2 } : {}),
    environments: { dev: {}, staging: {}, prod: { account: '123456789012' } },
  })) as fc.Arbitrary<AppConfig>;

/** Why configs were refused, by rule (path with names generalised): printed, to keep the generator honest. */
const refusals = new Map<string, number>();

function accepted(cfg: AppConfig, stage: string): ResolvedApp | undefined {
  try {
    return resolve(cfg, stage);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const i of err.issues) {
      const rule = `${i.path.replace(/^services\.\w+/, 'services.*')}: ${i.message.slice(0, 40)}`;
      refusals.set(rule, (refusals.get(rule) ?? 0) + 1);
    }
    return undefined;
  }
}

describe('every config resolve accepts builds (property)', () => {
  it(`constructs every accepted environment of ${RUNS} generated configs and synthesizes a sample`, () => {
    let built = 0;
    const perProfile = { dev: 0, staging: 0, prod: 0 };
    let synthesized = 0;
    let run = 0;
    fc.assert(
      fc.property(configArb, (cfg) => {
        run++;
        // Resolve in all three profiles; build one accepted environment per config, rotating the profile so that
        // each profile is built for about a third of the configs (a construction costs ~40 ms of CPU; three per
        // config would push the test past two minutes).
        const stages = PROFILES.map((_, i) => PROFILES[(run + i) % PROFILES.length]!);
        const stage = stages.find((s) => accepted(cfg, s));
        if (!stage) return;
        const r = resolve(cfg, stage);
        try {
          const app = buildApp(r);
          if (built % SYNTH_EVERY === 0) {
            app.synth();
            synthesized++;
          }
        } catch (err) {
          throw new Error(
            `resolve accepted this config for '${stage}', but building it failed: ${(err as Error).message}\n${JSON.stringify(cfg)}`,
            { cause: err },
          );
        }
        built++;
        perProfile[r.profile]++;
      }),
      { numRuns: RUNS, seed: Number(process.env.BERTH_PROPERTY_SEED ?? 12), endOnFailure: true },
    );
    const top = [...refusals].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.info(
      `property: ${run} configs, ${built} environments built (${JSON.stringify(perProfile)}), ${synthesized} synthesized; most refused:\n` +
        top.map(([rule, n]) => `  ${n} × ${rule}`).join('\n'),
    );
    // Not vacuous: a good share of the environments resolved and were built.
    expect(built).toBeGreaterThan(RUNS / 2);
    // prod refuses every draw with no domain, no certificate and no written https: false, so fewer prods build.
    for (const [profile, n] of Object.entries(perProfile))
      expect(n, profile).toBeGreaterThan(profile === 'prod' ? RUNS / 50 : RUNS / 10);
    expect(synthesized).toBeGreaterThan(0);
  }, 600_000);
});
