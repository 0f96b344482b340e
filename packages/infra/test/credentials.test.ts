import { describe, expect, it } from 'vitest';
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
