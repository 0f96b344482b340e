import { describe, expect, it } from 'vitest';
import { defineApp, resolve, type AppConfig } from '@berthjs/config';
import { isIgnoredChange } from '../src/session/service';
import {
  LOCAL_CREDENTIALS,
  localBucketName,
  localEnv,
  processEnv,
  type LocalPeers,
} from '../src/session/env';

const app = (extra: Partial<AppConfig> = {}) =>
  resolve(
    defineApp({
      name: 'shop',
      region: 'eu-west-1',
      services: {
        api: {
          hosts: ['api'],
          default: true,
          secrets: { STRIPE_KEY: 'stripe:key', SIGNING: 'signing' },
          env: { FEATURE: 'on' },
        },
        cms: { hosts: ['cms'], uses: { database: false, buckets: [], mail: false, cache: false } },
      },
      database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'shop' },
      cache: { engine: 'redis' },
      buckets: { uploads: {}, 'public-assets': {} },
      mail: {
        domain: 'shop.example.com',
        from: 'Shop <no-reply@shop.example.com>',
        allowList: ['@example.com'],
      },
      auth: { issuer: 'https://auth.shop.example.com/', audience: 'shop-api' },
      environments: { dev: {} },
      ...extra,
    } as AppConfig),
    'dev',
  );

const peers: LocalPeers = {
  database: { username: 'postgres', password: 'berth', host: '127.0.0.1', port: 54321, dbname: 'shop' },
  cacheUrl: 'redis://127.0.0.1:6379',
  s3Endpoint: 'http://127.0.0.1:4569',
  sesEndpoint: 'http://127.0.0.1:8005',
  buckets: { uploads: 'shop-uploads', 'public-assets': 'shop-public-assets' },
  oidc: {
    issuer: 'http://localhost:4000/_berth/oidc',
    jwksUrl: 'http://127.0.0.1:4000/_berth/oidc/.well-known/jwks.json',
  },
  secrets: { stripe: { key: 'sk_test_123' } },
  processEnv: {},
};

describe('localEnv', () => {
  it('maps every contract source of a service to its local peer', () => {
    // GIVEN a service that uses everything the app declares
    // WHEN berth dev builds its env
    const { env, warnings } = localEnv(app(), 'api', peers, 41234);
    // THEN the names are the contract's, the values local
    expect(env).toMatchObject({
      BERTH_APP: 'shop',
      BERTH_SERVICE: 'api',
      BERTH_STAGE: 'dev',
      BERTH_PROFILE: 'dev',
      PORT: '41234',
      AWS_REGION: 'eu-west-1',
      CACHE_URL: 'redis://127.0.0.1:6379',
      BUCKET_UPLOADS: 'shop-uploads',
      BUCKET_PUBLIC_ASSETS: 'shop-public-assets',
      MAIL_FROM: 'Shop <no-reply@shop.example.com>',
      MAIL_ALLOW_LIST: '@example.com',
      AUTH_ISSUER: 'http://localhost:4000/_berth/oidc',
      AUTH_AUDIENCE: 'shop-api',
      AUTH_JWKS_URL: 'http://127.0.0.1:4000/_berth/oidc/.well-known/jwks.json',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:8005',
      FEATURE: 'on',
      STRIPE_KEY: 'sk_test_123',
      ...LOCAL_CREDENTIALS,
    });
    expect(JSON.parse(env.DATABASE_SECRET!)).toEqual({
      username: 'postgres',
      password: 'berth',
      host: '127.0.0.1',
      port: 54321,
      dbname: 'shop',
    });
    // No secret ARN without the Secrets Manager peer, no configuration set in SES v2 local
    expect(env).not.toHaveProperty('DATABASE_SECRET_ARN');
    expect(env).not.toHaveProperty('MAIL_CONFIGURATION_SET');
    // The one secret without a local value is named, with where to put it
    expect(env).not.toHaveProperty('SIGNING');
    expect(warnings).toEqual([expect.stringMatching(/SIGNING \(secret 'signing'\).*\.berth\/secrets\.json/)]);
  });

  it('adds nothing local-only besides the AWS endpoint and credential variables', () => {
    const resolved = app();
    const { env } = localEnv(resolved, 'api', peers, 1);
    const localOnly = [
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_SESV2',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ];
    const contractNames = new Set(
      // every name the contract could deliver for this service
      Object.keys(localEnv(resolved, 'api', { ...peers, processEnv: { SIGNING: 'x' } }, 1).env),
    );
    for (const name of Object.keys(env))
      expect(contractNames.has(name) || localOnly.includes(name)).toBe(true);
  });

  it('gives a service only what it uses', () => {
    const { env } = localEnv(app(), 'cms', peers, 2);
    expect(env).not.toHaveProperty('DATABASE_SECRET');
    expect(env).not.toHaveProperty('CACHE_URL');
    expect(env).not.toHaveProperty('BUCKET_UPLOADS');
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL_S3');
    expect(env).not.toHaveProperty('MAIL_FROM');
    expect(env.AUTH_ISSUER).toBe(peers.oidc!.issuer);
  });

  it('gives a database user the local secret ARN and the Secrets Manager endpoint, so rotation can be rehearsed', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:shop/dev/database-AbCdEf';
    const withSecrets = { ...peers, databaseSecretArn: arn, secretsManagerEndpoint: 'http://127.0.0.1:4584' };
    expect(localEnv(app(), 'api', withSecrets, 5).env).toMatchObject({
      DATABASE_SECRET_ARN: arn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4584',
    });
    const cms = localEnv(app(), 'cms', withSecrets, 6).env;
    expect(cms).not.toHaveProperty('DATABASE_SECRET_ARN');
    expect(cms).not.toHaveProperty('AWS_ENDPOINT_URL_SECRETS_MANAGER');
  });

  it("gives CACHE_URL with the state's Redis password in it, and CACHE_AUTH_TOKEN (cache.tls) the password alone", () => {
    const own = { ...peers, cacheUrl: 'redis://:s3cr3t@127.0.0.1:40001', cachePassword: 's3cr3t' };
    expect(localEnv(app(), 'api', own, 3).env).toMatchObject({
      CACHE_URL: 'redis://:s3cr3t@127.0.0.1:40001',
    });
    expect(localEnv(app(), 'api', own, 3).env).not.toHaveProperty('CACHE_AUTH_TOKEN');
    const tls = app({ cache: { engine: 'redis', tls: true } });
    expect(tls.cache?.tls).toBe(true);
    expect(localEnv(tls, 'api', own, 3).env).toMatchObject({
      CACHE_URL: 'redis://:s3cr3t@127.0.0.1:40001',
      CACHE_AUTH_TOKEN: 's3cr3t',
    });
  });

  it('omits CACHE_URL when no Redis answered, so the runtime uses its in-process cache', () => {
    const { cacheUrl: _, ...noRedis } = peers;
    expect(localEnv(app(), 'api', noRedis, 3).env).not.toHaveProperty('CACHE_URL');
  });

  it("prefers the variable in berth's own environment over .berth/secrets.json", () => {
    const { env, warnings } = localEnv(
      app(),
      'api',
      { ...peers, processEnv: { STRIPE_KEY: 'from-env', SIGNING: 's' } },
      4,
    );
    expect(env.STRIPE_KEY).toBe('from-env');
    expect(env.SIGNING).toBe('s');
    expect(warnings).toEqual([]);
  });

  it('reads a whole secret as a string, or as JSON when it is an object', () => {
    const { env } = localEnv(
      app(),
      'api',
      { ...peers, secrets: { stripe: { key: 'k' }, signing: { a: 1 } } },
      5,
    );
    expect(env.SIGNING).toBe('{"a":1}');
  });
});

describe('processEnv', () => {
  it('passes the OS basics and nothing else from the parent', () => {
    const env = processEnv(
      { PORT: '1' },
      {
        PATH: '/bin',
        HOME: '/root',
        NODE_OPTIONS: '--enable-source-maps',
        AWS_PROFILE: 'prod',
        DATABASE_URL: 'x',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      NODE_OPTIONS: '--enable-source-maps',
      PORT: '1',
      // Python's stdout is block-buffered on a pipe; berth dev shows output as it is written.
      PYTHONUNBUFFERED: '1',
    });
  });
});

describe('the reload watcher', () => {
  it("ignores Python's bytecode writes and dependency folders, not sources", () => {
    for (const name of [
      'app/__pycache__/main.cpython-311.pyc',
      'app/main.pyc',
      '.venv/lib/x.py',
      'node_modules/a.js',
    ])
      expect(isIgnoredChange(name), name).toBe(true);
    for (const name of ['app/main.py', 'src/server.ts', 'migrations/001.sql'])
      expect(isIgnoredChange(name), name).toBe(false);
  });
});

describe('localBucketName', () => {
  it('prefixes the app so buckets read like real ones', () => {
    expect(localBucketName('talent', 'resumes')).toBe('talent-resumes');
    expect(localBucketName('Shop', 'a_b')).toBe('shop-a-b');
  });
});
