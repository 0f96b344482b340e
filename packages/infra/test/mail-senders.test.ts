import { describe, expect, it } from 'vitest';
import * as crypto from 'node:crypto';
import * as realSdk from '@aws-sdk/client-secrets-manager';
import { SMTP_PASSWORD_HANDLER } from '../src/constructs/mail-senders';

/**
 * The SMTP-password function, run as Lambda would (CommonJS, its own require) against an in-memory Secrets Manager.
 * Expected passwords are terraform-provider-aws' published vectors for SES's version-4 conversion
 * (internal/service/iam/access_key_test.go, TestSESSMTPPasswordFromSecretKeySigV4), not values this code produced.
 */
const VECTORS = [
  ['eu-central-1', 'some+secret+key', 'BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2'],
  ['eu-central-1', 'another+secret+key', 'BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh'],
  ['us-west-1', 'some+secret+key', 'BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj'],
  ['us-west-1', 'another+secret+key', 'BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF'],
] as const;

interface Module {
  handler(e: unknown): Promise<void>;
  smtpPassword(key: string, region: string): string;
  send(command: { input: Record<string, unknown>; constructor: { name: string } }): Promise<unknown>;
}

function load(store: Map<string, string>) {
  const replies: Record<string, unknown>[] = [];
  const logged: unknown[] = [];
  const https = {
    request: (_: unknown, done: (r: { resume(): void; on(e: string, f: () => void): void }) => void) => ({
      on: () => undefined,
      end: (body: string) => {
        replies.push(JSON.parse(body) as Record<string, unknown>);
        done({ resume: () => undefined, on: (_e, f) => f() });
      },
    }),
  };
  const exports = {} as Module;
  const console = { error: (...a: unknown[]) => logged.push(...a), log: () => undefined };
  new Function('require', 'exports', 'console', SMTP_PASSWORD_HANDLER)(
    (m: string) => (m === 'https' ? https : m === 'crypto' ? crypto : realSdk),
    exports,
    console,
  );
  exports.send = (command) => {
    const id = command.input.SecretId as string;
    if (command instanceof realSdk.GetSecretValueCommand) {
      const value = store.get(id);
      if (value === undefined)
        return Promise.reject(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
      return Promise.resolve({ SecretString: value });
    }
    if (command instanceof realSdk.PutSecretValueCommand) {
      store.set(id, command.input.SecretString as string);
      return Promise.resolve({});
    }
    return Promise.reject(new Error(`unexpected ${command.constructor.name}`));
  };
  return { exports, replies, logged };
}

const event = (RequestType: string, SecretId: string, Region: string) => ({
  RequestType,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/x?sig=1',
  StackId: 'stack',
  RequestId: 'req',
  LogicalResourceId: 'Auth0Password',
  ResourceProperties: { SecretId, AccessKeyId: 'AKIAEXAMPLE', Region },
});

describe('SES SMTP password function', () => {
  it("derives the passwords of terraform-provider-aws' vectors", () => {
    const { exports } = load(new Map());
    for (const [region, key, expected] of VECTORS) expect(exports.smtpPassword(key, region)).toBe(expected);
  });

  it('replaces the secret access key with the password in the secret, and reports success without values', async () => {
    const store = new Map([
      [
        's',
        JSON.stringify({
          username: 'AKIAEXAMPLE',
          secretAccessKey: 'some+secret+key',
          host: 'h',
          port: '587',
        }),
      ],
    ]);
    const { exports, replies } = load(store);
    await exports.handler(event('Create', 's', 'eu-central-1'));
    expect(JSON.parse(store.get('s')!)).toEqual({
      username: 'AKIAEXAMPLE',
      host: 'h',
      port: '587',
      password: 'BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2',
    });
    expect(replies[0]).toMatchObject({ Status: 'SUCCESS', NoEcho: true });
    expect(JSON.stringify(replies[0])).not.toContain('BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2');
    // A later update with the same key leaves the derived password alone.
    await exports.handler(event('Update', 's', 'eu-central-1'));
    expect(JSON.parse(store.get('s')!).password).toBe('BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2');
    expect(replies[1]).toMatchObject({ Status: 'SUCCESS' });
  });

  it('fails the deploy when the secret is missing, logging the error name only', async () => {
    const { exports, replies, logged } = load(new Map());
    await exports.handler(event('Create', 'missing', 'us-west-1'));
    expect(replies[0]).toMatchObject({ Status: 'FAILED' });
    expect(String(replies[0]!.Reason)).toContain('ResourceNotFoundException');
    expect(logged).toEqual(['ResourceNotFoundException']);
  });

  it('does nothing on delete', async () => {
    const store = new Map([['s', JSON.stringify({ username: 'u', secretAccessKey: 'k' })]]);
    const { exports, replies } = load(store);
    await exports.handler(event('Delete', 's', 'us-west-1'));
    expect(JSON.parse(store.get('s')!)).toEqual({ username: 'u', secretAccessKey: 'k' });
    expect(replies[0]).toMatchObject({ Status: 'SUCCESS' });
  });
});
