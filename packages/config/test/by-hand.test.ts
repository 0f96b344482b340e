import { describe, expect, it } from 'vitest';
import {
  applyTypeOf,
  awsvpcTasksPerInstance,
  ConfigError,
  maxNetworkInterfaces,
  parameterNotes,
  resolve,
  type AppConfig,
} from '../src/index';
import { app as patched } from './fixtures';

/** The fixture app with a patch; a key patched to undefined is removed. */
const app = (patch: Record<string, unknown>): AppConfig => JSON.parse(JSON.stringify(patched(patch)));

/** The issues resolve reports for an environment, or [] when it resolves. */
function issues(config: AppConfig, stage: string): { path: string; message: string }[] {
  try {
    resolve(config, stage);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => ({ path: i.path, message: i.message }));
    throw err;
  }
}

describe('EC2 capacity: instances × awsvpc tasks per instance ≥ the services’ most tasks', () => {
  it("reads AWS's published interface limits: c5.large holds 2 awsvpc tasks, as the ECS trunking page says", () => {
    // "by default a c5.large instance may have up to three ENIs attached [...] you can typically only run two such
    // tasks" — https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-instance-eni.html
    expect(maxNetworkInterfaces('c5.large')).toBe(3);
    expect(awsvpcTasksPerInstance('c5.large')).toBe(2);
    expect(awsvpcTasksPerInstance('t3.medium')).toBe(2);
    expect(awsvpcTasksPerInstance('m6i.4xlarge')).toBe(7);
    expect(awsvpcTasksPerInstance('x9.huge')).toBeUndefined();
  });

  // Tekalo's document: 4 × t3.medium, and prod's api may scale to 10.
  const tekalo = (prod: Record<string, unknown> = {}) =>
    app({
      services: { api: { capacity: 'ec2', scaling: { max: 4 } }, cms: undefined },
      ec2: { instanceType: 't3.medium', maxInstances: 4 },
      environments: {
        dev: {},
        staging: {},
        prod: {
          account: '123456789012',
          overrides: { services: { api: { scaling: { min: 3, max: 10 } } }, ...prod },
        },
      },
    });

  it('refuses a ceiling below the maximum, naming the numbers and the fix', () => {
    const found = issues(tekalo(), 'prod').filter((i) => i.path === 'ec2.maxInstances');
    expect(found).toHaveLength(1);
    const m = found[0]!.message;
    expect(m).toContain('4 × t3.medium, which hold 8 awsvpc tasks');
    expect(m).toContain('services.api may run 10');
    expect(m).toContain('environments.prod.overrides.ec2');
    expect(m).toContain('at least 5');
  });

  it('accepts the ceiling the message asks for, and environments whose maximum fits', () => {
    expect(issues(tekalo({ ec2: { maxInstances: 5 } }), 'prod')).toEqual([]);
    expect(issues(tekalo(), 'staging')).toEqual([]);
    // A larger type: m6i.xlarge has 4 interfaces, 3 tasks each: 4 × 3 = 12 ≥ 10.
    expect(issues(tekalo({ ec2: { instanceType: 'm6i.xlarge' } }), 'prod')).toEqual([]);
  });

  it('sizes an unset ceiling from the services, never below 3', () => {
    const ceiling = (max: number, stage = 'dev') =>
      resolve(app({ services: { api: { capacity: 'ec2', scaling: { max } }, cms: undefined } }), stage).ec2
        ?.maxInstances;
    expect(ceiling(10)).toBe(5);
    expect(ceiling(11)).toBe(6);
    expect(ceiling(2)).toBe(3);
  });

  it('adds up every service on the capacity, counting a fixed count when scaling is off', () => {
    const config = app({
      services: {
        api: { capacity: 'ec2', scaling: { max: 3 } },
        cms: { capacity: 'ec2', scaling: false, count: 2 },
      },
      ec2: { instanceType: 't3.medium', maxInstances: 2 },
    });
    const m = issues(config, 'dev').find((i) => i.path === 'ec2.maxInstances')?.message;
    expect(m).toContain('services.api may run 3 and services.cms may run 2 (5 in all)');
    expect(m).toContain('at least 3');
  });

  it("refuses a type whose interface limit Berth's table does not list, naming the families it does", () => {
    const config = app({
      services: { api: { capacity: 'ec2' }, cms: undefined },
      ec2: { instanceType: 'x2iedn.xlarge' },
    });
    const m = issues(config, 'dev').find((i) => i.path === 'ec2.instanceType')?.message;
    expect(m).toContain('"x2iedn.xlarge"');
    expect(m).toContain('t3, t3a, t4g');
  });
});

describe('a hosted zone written by environments in two accounts', () => {
  const zones = (dev: Record<string, unknown>, prod: Record<string, unknown> = {}) =>
    app({
      edge: { domain: 'shop.example.com', hostedZoneId: 'Z0SHOP' },
      environments: {
        dev: { account: '111111111111', ...dev },
        staging: undefined,
        prod: { account: '222222222222', ...prod },
      },
    });

  it('is refused in each environment, with the delegation pattern and the key to set', () => {
    const dev = issues(zones({}), 'dev').find((i) => i.path === 'edge.hostedZoneId')?.message;
    expect(dev).toContain('"Z0SHOP" for dev (account 111111111111), and prod (account 222222222222)');
    expect(dev).toContain('delegated from the parent zone by an NS record');
    expect(dev).toContain('environments.dev.overrides.edge.hostedZoneId');
    expect(issues(zones({}), 'prod').map((i) => i.path)).toContain('edge.hostedZoneId');
  });

  it('passes with a zone per account (edge.hostedZoneId per environment)', () => {
    const config = zones({ overrides: { edge: { domain: 'dev.shop.example.com', hostedZoneId: 'Z0DEV' } } });
    expect(issues(config, 'dev')).toEqual([]);
    expect(issues(config, 'prod')).toEqual([]);
  });

  it('lets environments of one account share a zone, and skips environments whose account is not written', () => {
    expect(issues(zones({}, { account: '111111111111' }), 'dev')).toEqual([]);
    expect(issues(zones({ account: undefined }), 'prod')).toEqual([]);
    // dns 'external' writes no records, so there is no zone to share.
    const external = zones({ overrides: { edge: { dns: 'external', hostedZoneId: undefined } } });
    expect(issues(external, 'prod')).toEqual([]);
  });
});

describe('engine parameters', () => {
  it('resolves database.parameters and cache.parameters as strings, environments overriding keys', () => {
    const r = resolve(
      app({
        database: {
          parameters: { log_min_duration_statement: 500, shared_preload_libraries: 'pg_stat_statements' },
        },
        cache: { parameters: { 'maxmemory-policy': 'allkeys-lru' } },
        environments: {
          prod: { overrides: { database: { parameters: { log_min_duration_statement: 1000 } } } },
        },
      }),
      'prod',
    );
    expect(r.database?.parameters).toEqual({
      log_min_duration_statement: '1000',
      shared_preload_libraries: 'pg_stat_statements',
    });
    expect(r.cache?.parameters).toEqual({ 'maxmemory-policy': 'allkeys-lru' });
    expect(resolve(app({}), 'dev').database?.parameters).toEqual({});
  });

  it('refuses a malformed name and a cache parameter Berth’s replication group cannot take', () => {
    const found = issues(
      app({
        database: { parameters: { 'Log Min': 1 } },
        cache: { parameters: { 'cluster-enabled': 'yes' } },
      }),
      'dev',
    );
    expect(found.find((i) => i.path.startsWith('database.parameters'))?.message).toContain(
      'log_min_duration_statement',
    );
    expect(found.find((i) => i.path === 'cache.parameters.cluster-enabled')?.message).toContain(
      'cluster mode disabled',
    );
  });

  it('knows which PostgreSQL parameters are static (set at server start) and which apply at once', () => {
    expect(applyTypeOf('database', 'shared_preload_libraries')).toBe('static');
    expect(applyTypeOf('database', 'max_connections')).toBe('static');
    expect(applyTypeOf('database', 'log_min_duration_statement')).toBe('dynamic');
    expect(applyTypeOf('database', 'some_new_setting')).toBe('unknown');
    expect(applyTypeOf('cache', 'maxmemory-policy')).toBe('dynamic');
    expect(applyTypeOf('cache', 'databases')).toBe('creation');
  });

  it('notes the static, at-creation and unknown ones, and says nothing of dynamic ones alone on a cache', () => {
    const db = parameterNotes('database', {
      shared_preload_libraries: 'pg_stat_statements',
      work_mem: '8MB',
    });
    expect(db.join('\n')).toMatch(/shared_preload_libraries: static; .*reboot/);
    expect(db.join('\n')).not.toContain('work_mem');
    expect(parameterNotes('cache', { 'maxmemory-policy': 'allkeys-lru' })).toEqual([]);
    expect(parameterNotes('cache', { databases: '4' }).join()).toContain('only when the cache is created');
    expect(parameterNotes('database', { foo_bar: '1' }).join()).toContain('aws rds describe-db-parameters');
  });
});
