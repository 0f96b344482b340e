import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineApp, resolve, SECRET_ALPHABETS, type AppConfig } from '@berthjs/config';
import { GENERATED_SECRETS_FILE, localSecrets } from '../src/peers/secrets-manager/generated';
import { localEnv, type LocalPeers } from '../src/session/env';

// GIVEN an app whose api reads one secret set by hand (stripe) and one Berth generates (session-key)
const app = (generate: { length?: number; format?: 'hex' | 'urlsafe' } = { length: 40, format: 'hex' }) =>
  resolve(
    defineApp({
      name: 'shop',
      services: { api: { secrets: { STRIPE_KEY: 'stripe', SESSION_KEY: 'session-key' } } },
      secrets: { 'session-key': { generate } },
      environments: { dev: {} },
    } as AppConfig),
    'dev',
  );
const peers = (secrets: Record<string, unknown>): LocalPeers => ({
  s3Endpoint: 'http://127.0.0.1:4569',
  sesEndpoint: 'http://127.0.0.1:8005',
  buckets: {},
  secrets,
  processEnv: {},
});

let dir: string;
const warnings: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-gen-'));
  warnings.length = 0;
});
const warn = (m: string) => warnings.push(m);

describe('berth dev: generated secrets', () => {
  it('makes a local value of the configured length and alphabet, kept 0600 in the state folder', () => {
    const secrets = localSecrets(dir, app(), warn);
    const value = secrets['shop/dev/session-key'] as string;
    expect(value).toHaveLength(40);
    expect([...value].every((c) => SECRET_ALPHABETS.hex.includes(c))).toBe(true);
    const file = join(dir, GENERATED_SECRETS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'session-key': value });
  });

  it('keeps the same value from run to run, and the service reads it as SESSION_KEY', () => {
    const first = localSecrets(dir, app(), warn)['shop/dev/session-key'];
    const second = localSecrets(dir, app(), warn)['shop/dev/session-key'];
    expect(second).toBe(first);
    const { env } = localEnv(
      app(),
      'api',
      peers({ ...localSecrets(dir, app(), warn), stripe: 'sk_test' }),
      4100,
    );
    expect(env.SESSION_KEY).toBe(first);
    expect(env.STRIPE_KEY).toBe('sk_test');
  });

  it('makes a new value when the length or format changes, as a changed generator does in AWS', () => {
    const hex = localSecrets(dir, app(), warn)['shop/dev/session-key'] as string;
    const url = localSecrets(dir, app({ length: 64, format: 'urlsafe' }), warn)[
      'shop/dev/session-key'
    ] as string;
    expect(url).toHaveLength(64);
    expect(url).not.toBe(hex);
  });

  it('.berth/secrets.json still works as before and wins, by the config name or the Secrets Manager name', () => {
    writeFileSync(
      join(dir, 'secrets.json'),
      JSON.stringify({ stripe: 'sk_file', 'session-key': 'from-file' }),
    );
    expect(localSecrets(dir, app(), warn)).toMatchObject({
      stripe: 'sk_file',
      'shop/dev/session-key': 'from-file',
    });
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'shop/dev/session-key': 'by-aws-name' }));
    expect(localSecrets(dir, app(), warn)['shop/dev/session-key']).toBe('by-aws-name');
  });

  it('replaces a state file that is not JSON, saying so', () => {
    writeFileSync(join(dir, GENERATED_SECRETS_FILE), '{oops', { mode: 0o644 });
    const value = localSecrets(dir, app(), warn)['shop/dev/session-key'] as string;
    expect(value).toHaveLength(40);
    expect(warnings).toEqual([
      expect.stringMatching(/generated-secrets\.json .* is not a JSON object; making new local values/),
    ]);
    expect(statSync(join(dir, GENERATED_SECRETS_FILE)).mode & 0o777).toBe(0o600);
  });

  it('without generated secrets writes nothing and reads secrets.json as it always did', () => {
    const plain = resolve(
      defineApp({
        name: 'shop',
        services: { api: { secrets: { K: 'k' } } },
        environments: { dev: {} },
      } as AppConfig),
      'dev',
    );
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ k: 'v' }));
    expect(localSecrets(dir, plain, warn)).toEqual({ k: 'v' });
    expect(() => statSync(join(dir, GENERATED_SECRETS_FILE))).toThrow();
  });
});
