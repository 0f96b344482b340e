import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig, RuntimeConfigError } from '../src/index';
import { contractEnv } from '../../../test/support';

const SECRET = JSON.stringify({
  username: 'app',
  password: 'hunter2-TOP-SECRET',
  host: 'db.internal',
  port: 5432,
  dbname: 'talent',
});

function errorOf(fn: () => unknown): RuntimeConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeConfigError);
    return err as RuntimeConfigError;
  }
  throw new Error('expected a RuntimeConfigError');
}

describe('loadRuntimeConfig', () => {
  it('GIVEN the full contract THEN every field is parsed', () => {
    const config = loadRuntimeConfig(
      contractEnv({
        PORT: '8080',
        DATABASE_SECRET: SECRET,
        DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf',
        DATABASE_READ_HOST: 'db-ro.internal',
        CACHE_URL: 'rediss://cache.internal:6379',
        CACHE_AUTH_TOKEN: 'tok',
        BUCKET_RESUMES: 'talent-dev-resumes',
        BUCKET_PROFILE_PHOTOS: 'talent-dev-photos',
        MAIL_FROM: 'Talent <no-reply@talent.example.com>',
        MAIL_ALLOW_LIST: 'Ann@Example.com, @corp.example',
        AUTH_ISSUER: 'https://auth.example.com/',
        AUTH_AUDIENCE: 'talent-api',
        AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
      }),
    );
    expect(config).toMatchObject({
      app: 'test',
      service: 'api',
      stage: 'dev',
      profile: 'dev',
      port: 8080,
      healthPath: '/health',
      readyPath: '/ready',
      stopTimeoutSeconds: 30,
      region: 'us-east-1',
      database: {
        secret: { username: 'app', host: 'db.internal', port: 5432, dbname: 'talent' },
        readHost: 'db-ro.internal',
      },
      cache: { url: 'rediss://cache.internal:6379', authToken: 'tok' },
      buckets: { resumes: 'talent-dev-resumes', 'profile-photos': 'talent-dev-photos' },
      mail: { allowList: ['ann@example.com', '@corp.example'] },
      auth: { audience: 'talent-api' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('GIVEN no optional resources THEN they are absent and buckets is empty', () => {
    const config = loadRuntimeConfig(contractEnv());
    expect(config.database).toBeUndefined();
    expect(config.cache).toBeUndefined();
    expect(config.mail).toBeUndefined();
    expect(config.auth).toBeUndefined();
    expect(config.buckets).toEqual({});
  });

  it('accepts `database` as an alias of dbname, a string port, and a postgres:// URL', () => {
    const alias = loadRuntimeConfig(
      contractEnv({
        DATABASE_SECRET: JSON.stringify({
          username: 'u',
          password: 'p',
          host: 'h',
          port: '6432',
          database: 'd',
        }),
      }),
    );
    expect(alias.database?.secret).toEqual({
      username: 'u',
      password: 'p',
      host: 'h',
      port: 6432,
      dbname: 'd',
    });
    const url = loadRuntimeConfig(contractEnv({ DATABASE_SECRET: 'postgres://u:p%40ss@127.0.0.1:5433/app' }));
    expect(url.database?.secret).toEqual({
      username: 'u',
      password: 'p@ss',
      host: '127.0.0.1',
      port: 5433,
      dbname: 'app',
    });
  });

  it('mail allow-list: absent in prod → everyone (null); absent elsewhere → nobody ([])', () => {
    const prod = loadRuntimeConfig(
      contractEnv({ BERTH_STAGE: 'prod', BERTH_PROFILE: 'prod', MAIL_FROM: 'a@b.example' }),
    );
    expect(prod.mail?.allowList).toBeNull();
    const dev = loadRuntimeConfig(contractEnv({ MAIL_FROM: 'a@b.example' }));
    expect(dev.mail?.allowList).toEqual([]);
  });

  it.each([
    ['BERTH_APP', undefined, /BERTH_APP: expected .*not set/],
    ['BERTH_SERVICE', 'no spaces', /BERTH_SERVICE: expected a name/],
    ['PORT', undefined, /PORT: expected an integer from 1 to 65535 \(it is not set\)/],
    ['PORT', '80a', /PORT: expected an integer from 1 to 65535/],
    ['PORT', '70000', /PORT: expected an integer from 1 to 65535/],
    ['BERTH_STOP_TIMEOUT', '1', /BERTH_STOP_TIMEOUT: expected an integer from 2 to 120/],
    ['BERTH_HEALTH_PATH', 'health', /BERTH_HEALTH_PATH: expected an absolute URL path/],
    ['BERTH_PROFILE', 'qa', /BERTH_PROFILE: expected one of dev, staging, prod/],
    ['AWS_REGION', 'mars', /AWS_REGION: expected an AWS region/],
    ['CACHE_URL', 'http://cache:6379', /CACHE_URL: expected a redis or rediss URL/],
    ['BUCKET_RESUMES', 'Not_A_Bucket', /BUCKET_RESUMES: expected an S3 bucket name/],
    ['MAIL_FROM', 'nobody', /MAIL_FROM: expected an address/],
    ['AUTH_ISSUER', 'https://auth.example.com/', /AUTH_AUDIENCE: expected a non-empty audience/],
    [
      'DATABASE_SECRET_ARN',
      'arn:aws:secretsmanager:us-east-1:1:secret:x',
      /DATABASE_SECRET: expected the secret JSON/,
    ],
  ])('GIVEN %s=%s THEN the error names it', (name, value, message) => {
    const err = errorOf(() => loadRuntimeConfig(contractEnv({ [name]: value })));
    expect(err.message).toMatch(message);
    expect(err.code).toBe('RUNTIME_CONFIG');
  });

  it.each([
    ['not JSON', 'hunter2-TOP-SECRET', /DATABASE_SECRET: expected JSON .* \(it is not valid JSON\)/],
    ['no host', JSON.stringify({ username: 'u', password: 'hunter2-TOP-SECRET', dbname: 'd' }), /key "host"/],
    [
      'bad port',
      JSON.stringify({ username: 'u', password: 'hunter2-TOP-SECRET', host: 'h', port: 'x', dbname: 'd' }),
      /key "port"/,
    ],
    ['an array', '["hunter2-TOP-SECRET"]', /a JSON object/],
    ['a bad URL', 'postgres://:hunter2-TOP-SECRET@/', /postgres:\/\/ URL/],
  ])(
    'GIVEN DATABASE_SECRET is %s THEN the error names the key and never the value',
    (_what, value, message) => {
      const err = errorOf(() => loadRuntimeConfig(contractEnv({ DATABASE_SECRET: value })));
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('hunter2');
      expect(JSON.stringify(err)).not.toContain('hunter2');
      expect(String(err.stack)).not.toContain('hunter2');
    },
  );

  it('GIVEN a malformed CACHE_AUTH_TOKEN-bearing URL THEN the token is not echoed', () => {
    const err = errorOf(() => loadRuntimeConfig(contractEnv({ CACHE_URL: 'ftp://user:s3cr3t-token@cache' })));
    expect(err.message).not.toContain('s3cr3t');
  });
});
