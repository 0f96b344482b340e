import { describe, expect, it } from 'vitest';
import { bucketEnv, contractFor, ENV, resolve } from '../src/index';
import { app } from './fixtures';

describe('contractFor', () => {
  it('gives a service its stores, stage and port, with credentials marked secret', () => {
    const c = contractFor(resolve(app(), 'prod'), 'api');
    const byName = Object.fromEntries(c.variables.map((v) => [v.name, v]));
    expect(c).toMatchObject({ service: 'api', port: 3000, healthPath: '/health', readyPath: '/ready' });
    expect(byName[ENV.databaseSecret]).toMatchObject({
      secret: true,
      required: true,
      source: { kind: 'database', attribute: 'secret' },
    });
    expect(byName[ENV.databaseSecretArn]).toMatchObject({ secret: false, required: false });
    expect(byName[ENV.cacheAuthToken]).toMatchObject({ secret: true });
    expect(byName[bucketEnv('uploads')]).toMatchObject({
      secret: false,
      source: { kind: 'bucket', bucket: 'uploads' },
    });
    expect(byName[ENV.stage]!.source).toEqual({ kind: 'literal', value: 'prod' });
    expect(byName[ENV.mailAllowList]).toBeUndefined();
  });
  it('outside prod the mail allow-list is part of the contract', () => {
    const c = contractFor(resolve(app(), 'dev'), 'api');
    expect(c.variables.find((v) => v.name === ENV.mailAllowList)?.source).toEqual({
      kind: 'literal',
      value: '@example.com',
    });
    expect(c.variables.find((v) => v.name === ENV.cacheAuthToken)).toBeUndefined();
  });
  it('a service gets only what it uses', () => {
    const c = contractFor(
      resolve(
        app({ services: { cms: { uses: { database: false, cache: false, buckets: [], mail: false } } } }),
        'dev',
      ),
      'cms',
    );
    const names = c.variables.map((v) => v.name);
    expect(names).not.toContain(ENV.databaseSecret);
    expect(names).not.toContain(ENV.cacheUrl);
    expect(names).not.toContain(bucketEnv('uploads'));
    expect(names).toContain(ENV.port);
  });
  it('user secrets become secret variables; user env plain ones', () => {
    const c = contractFor(
      resolve(
        app({ services: { api: { env: { FEATURE: 'on' }, secrets: { STRIPE_KEY: 'stripe:key' } } } }),
        'dev',
      ),
      'api',
    );
    expect(c.variables.find((v) => v.name === 'STRIPE_KEY')).toMatchObject({
      secret: true,
      source: { kind: 'userSecret', secretName: 'stripe', jsonKey: 'key' },
    });
    expect(c.variables.find((v) => v.name === 'FEATURE')).toMatchObject({
      secret: false,
      source: { kind: 'literal', value: 'on' },
    });
  });
  it('bucket names become BUCKET_<NAME>', () => {
    expect(bucketEnv('resume-files')).toBe('BUCKET_RESUME_FILES');
  });
  it('an unknown service is a clear error', () => {
    expect(() => contractFor(resolve(app(), 'dev'), 'worker')).toThrow(
      /no service 'worker'.*declared: api, cms/,
    );
  });
});
