import { describe, expect, it } from 'vitest';
import { contractFor, resolve } from '@berthjs/config';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import oky from '../../../examples/seeds/oky/berth.config';
import revendiste from '../../../examples/seeds/revendiste/berth.config';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import talent from '../../../examples/talent/berth.config';
import { credentialInValue, isCredentialName } from '../src/rules/credentials';

describe('credentials by name', () => {
  it.each([
    'STRIPE_SECRET_KEY',
    'JWT_SIGNING_KEY',
    'GITHUB_TOKEN',
    'DB_PASSWORD',
    'SENTRY_DSN',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'OPENAI_API_KEY',
    'SESSION_SECRETS',
    'OAUTH_CLIENT_SECRET',
    'ENCRYPTION_KEY',
    'SECRET',
  ])('%s is a credential', (name) => expect(isCredentialName(name)).toBe(true));

  it.each([
    'DATABASE_SECRET_ARN',
    'AUTH_JWKS_URL',
    'CACHE_URL',
    'BUCKET_RESUMES',
    'MAIL_FROM',
    'BERTH_SERVICE',
    'KEYCLOAK_REALM',
    'MONKEY_MODE',
    'TOKEN_TTL',
    'API_KEY_HEADER',
    'SECRET_NAME',
  ])('%s is not', (name) => expect(isCredentialName(name)).toBe(false));
});

describe('credentials by value', () => {
  it.each([
    ['postgres://app:hunter2@db.internal:5432/app', 'a URL with a password'],
    ['redis://:s3cr3t@cache:6379', 'a URL with a password'],
    ['sk_live_51HxAbCdEfGhIjKlMnOpQrStUv', 'a Stripe secret key'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'a GitHub token'],
    ['xoxb-1234567890-abcdefghijkl', 'a Slack token'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow...', 'a PEM private key'],
    ['-----BEGIN PRIVATE KEY-----', 'a PEM private key'],
    [
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'a JSON Web Token',
    ],
    ['q8Zr2LwX9vTn4Bk7Yp1Hs6Jd3Fg0Mc5V', 'a high-entropy value'],
  ])('%j → %s', (value, what) => expect(credentialInValue(value)).toBe(what));

  it.each([
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:talent/db-AbC123',
    'https://auth.talent.example.com/.well-known/jwks.json',
    'redis://talent-cache.abc123.use1.cache.amazonaws.com:6379',
    'talent-prod-resumes-111111111111-us-east-1',
    'Talent <no-reply@talent.example.com>',
    'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '6f1c1bd3-6b2e-4c8a-9d2e-0a4b5c6d7e8f',
    'production',
    'a sentence with spaces that is rather long indeed 12345',
    '/srv/app/dist/server.js',
  ])('%j is not', (value) => expect(credentialInValue(value)).toBeUndefined());
});

describe('credentials by shape (issue 28: 5 of 7 secrets went through under ordinary names)', () => {
  it('a password under a short name: DB_PASS, ADMIN_PW', () => {
    expect(isCredentialName('DB_PASS')).toBe(true);
    expect(isCredentialName('ADMIN_PW')).toBe(true);
    expect(isCredentialName('PASSWORD_SALT')).toBe(true);
  });

  it('a 64-hex key (openssl rand -hex 32), whatever its name', () => {
    const hex = '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f';
    expect(hex).toHaveLength(64);
    expect(credentialInValue(hex, 'COOKIE_SIGNER')).toBe('a hex key');
    expect(credentialInValue(hex, 'SESSION_CODE')).toBe('a hex key');
    // a commit or digest under a name that says so is public
    expect(credentialInValue(hex, 'GIT_SHA')).toBeUndefined();
    expect(credentialInValue('0a1b2c3d4e5f60718293a4b5c6d7e8f901234567', 'BUILD_COMMIT')).toBeUndefined();
  });

  it('a base64 key, also one starting with /', () => {
    // 32 random bytes, base64 (openssl rand -base64 32); the second starts with '/', as 1 in 64 do
    expect(credentialInValue('q3T9x0fLw2Zk8VbN4rYp6HsJdA1mEc7uGi5oKtRzXyQ=', 'APP_SALT_VALUE')).toBe(
      'a high-entropy value',
    );
    expect(credentialInValue('/M+vVZqbxKXhaSSJK4Pi5fdMh79beFDCtHxXym3SEbw=', 'HASH_SEED')).toBe(
      'a base64 key',
    );
  });

  it('a Slack or Discord webhook URL (the URL is the credential)', () => {
    expect(
      credentialInValue(
        'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
        'ALERTS_URL',
      ),
    ).toBe('a Slack webhook URL');
    expect(
      credentialInValue('https://discord.com/api/webhooks/123456789012345678/abcDEF-ghi_JKL', 'NOTIFY_URL'),
    ).toBe('a Discord webhook URL');
    expect(isCredentialName('SLACK_WEBHOOK_URL')).toBe(false); // a pointer by name: the value tells
  });

  it('a Basic or Bearer Authorization header value', () => {
    expect(credentialInValue('Basic dXNlcjpodW50ZXIy', 'PARTNER_AUTH_HEADER')).toBe(
      'an HTTP Authorization header value',
    );
    expect(credentialInValue('Bearer abc.def-ghi_jkl~123', 'UPSTREAM_AUTHORIZATION')).toBe(
      'an HTTP Authorization header value',
    );
    expect(credentialInValue('Authorization: Bearer 0123456789abcdef', 'HDR')).toBe(
      'an HTTP Authorization header value',
    );
  });

  it('no finding on any plain env a seed or talent gives its services, in any environment', () => {
    const configs = {
      talent,
      connect2,
      'hello-you': helloYou,
      oky,
      revendiste,
      tekalo,
    };
    let checked = 0;
    for (const [app, config] of Object.entries(configs)) {
      for (const stage of Object.keys(config.environments ?? {})) {
        const resolved = resolve(config, stage);
        for (const service of Object.keys(resolved.services)) {
          const plain: [string, string][] = Object.entries(resolved.services[service]!.env);
          for (const v of contractFor(resolved, service).variables)
            if (!v.secret && (v.source.kind === 'literal' || v.source.kind === 'auth'))
              plain.push([v.name, v.source.value]);
          for (const [name, value] of plain) {
            checked++;
            expect
              .soft({
                at: `${app} ${stage} ${service} ${name}`,
                name: isCredentialName(name),
                value: credentialInValue(value, name),
              })
              .toEqual({ at: `${app} ${stage} ${service} ${name}`, name: false, value: undefined });
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
