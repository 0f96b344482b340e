import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { app } from './fixtures';

const withCors = (cors: unknown, patch: Record<string, unknown> = {}) =>
  app({ buckets: { files: { cors } }, ...patch });

const issues = (cfg: unknown, stage: string) => {
  try {
    resolve(cfg, stage);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
};

describe('buckets: cors', () => {
  it("defaults origins to the environment's own site and headers to what the methods need", () => {
    expect(resolve(withCors([{ methods: ['POST', 'GET'] }]), 'prod').buckets.files?.cors).toEqual([
      { origins: ['https://shop.example.com'], methods: ['POST', 'GET'], headers: [], maxAge: 3000 },
    ]);
    const staging = app({
      buckets: { files: { cors: [{ methods: ['PUT'] }] } },
      environments: { staging: { overrides: { edge: { domain: 'staging.shop.example.com' } } } },
    });
    expect(resolve(staging, 'staging').buckets.files?.cors).toEqual([
      {
        origins: ['https://staging.shop.example.com'],
        methods: ['PUT'],
        headers: ['content-type'],
        maxAge: 3000,
      },
    ]);
  });

  it("refuses '*' origins and headers in prod, naming the path; allows them elsewhere", () => {
    const open = withCors([{ origins: ['https://shop.example.com', '*'], methods: ['GET'], headers: ['*'] }]);
    expect(issues(open, 'prod')).toEqual([
      expect.stringMatching(/^buckets\.files\.cors\.0\.origins\.1: '\*' lets any web page use the bucket's/),
      expect.stringMatching(/^buckets\.files\.cors\.0\.headers\.0: '\*' allows every request header/),
    ]);
    expect(resolve(open, 'dev').buckets.files?.cors[0]?.origins).toEqual(['https://shop.example.com', '*']);
  });

  it('refuses an origin that is not scheme://host[:port], with the value and what is allowed', () => {
    for (const bad of [
      'shop.example.com',
      'https://shop.example.com/',
      'https://shop.example.com/app',
      'ftp://x.org',
      'https://*.*.example.com',
    ])
      expect(issues(withCors([{ origins: [bad], methods: ['GET'] }]), 'dev'), bad).toEqual([
        expect.stringMatching(
          /^buckets\.files\.cors\.0\.origins\.0: got .+; an origin is a scheme and host with an optional port and no path/,
        ),
      ]);
    expect(
      resolve(
        withCors([{ origins: ['https://*.shop.example.com', 'http://localhost:3000'], methods: ['GET'] }]),
        'dev',
      ).buckets.files?.cors[0]?.origins,
    ).toEqual(['https://*.shop.example.com', 'http://localhost:3000']);
  });

  it('needs origins when there is no edge.domain to default to; checks headers, methods and maxAge', () => {
    expect(issues(withCors([{ methods: ['GET'] }], { edge: undefined }), 'dev')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^buckets\.files\.cors\.0\.origins: no origins, and no edge\.domain/),
      ]),
    );
    expect(
      issues(
        withCors([
          {
            origins: ['https://a.example.com'],
            methods: ['GET', 'GET'],
            headers: ['bad header'],
            maxAge: -1,
          },
        ]),
        'dev',
      ),
    ).toEqual([
      'buckets.files.cors.0.methods: lists a method twice',
      expect.stringMatching(/^buckets\.files\.cors\.0\.headers\.0: got "bad header"; expected a header name/),
      'buckets.files.cors.0.maxAge: got -1; expected 0–86400 seconds',
    ]);
    expect(issues(withCors([{ origins: ['https://a.example.com'], methods: ['PATCH'] }]), 'dev')).toEqual([
      expect.stringMatching(/^buckets\.files\.cors\.0\.methods\.0: /),
    ]);
  });
});
