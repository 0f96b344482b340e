import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { TOKEN_MAX_LIFETIME_SECONDS } from '@berthjs/config';
import { createLogger, createTokenVerifier } from '../../runtime/src/index';
import { loadSigningKey, parseTtl, signToken } from '../src/peers/oidc/oidc';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const FIXTURE = join(ROOT, 'packages/dev/test/fixtures/dev-app/berth.config.ts');

async function token(state: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [BIN, 'dev', 'token', '--config', FIXTURE, '--state', state, ...args],
      { cwd: ROOT },
    );
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function jwks(state: string) {
  const { kty, n, e, kid, alg } = JSON.parse(readFileSync(join(state, 'oidc-key.json'), 'utf8')) as JWK;
  return createLocalJWKSet({ keys: [{ kty, n, e, kid, alg }] });
}

describe('berth dev token', () => {
  it('signs a JWT with the dev issuer key (created on first use) and the config audience', async () => {
    // GIVEN an empty state folder and no berth dev running
    const state = mkdtempSync(join(tmpdir(), 'berth-token-'));
    // WHEN a token is asked for
    const { code, stdout } = await token(
      state,
      '--sub',
      'user-7',
      '--email',
      'ada@example.com',
      '--role',
      'reviewer',
      '--role',
      'admin',
      '--ttl',
      '15m',
    );
    // THEN it verifies against the persisted key, with every claim the services check
    expect(code).toBe(0);
    const { payload } = await jwtVerify(stdout, jwks(state), {
      issuer: 'http://localhost:4000/_berth/oidc',
      audience: 'fixture-api',
    });
    expect(payload).toMatchObject({ sub: 'user-7', email: 'ada@example.com', roles: ['reviewer', 'admin'] });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(decodeProtectedHeader(stdout)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });

    // AND a second token is signed by the same key (tokens survive restarts)
    const again = await token(state, '--sub', 'user-8');
    await expect(jwtVerify(again.stdout, jwks(state), { audience: 'fixture-api' })).resolves.toMatchObject({
      payload: { sub: 'user-8', roles: [] },
    });
  });

  it('uses the port of the running berth dev for the issuer, unless --port says otherwise', async () => {
    const state = mkdtempSync(join(tmpdir(), 'berth-token-'));
    writeFileSync(join(state, 'dev.json'), JSON.stringify({ pid: 1, port: 4321, startedAt: '', groups: [] }));
    const { stdout } = await token(state, '--sub', 'u');
    await expect(
      jwtVerify(stdout, jwks(state), { issuer: 'http://localhost:4321/_berth/oidc' }),
    ).resolves.toBeTruthy();
    const explicit = await token(state, '--sub', 'u', '--port', '4999');
    await expect(
      jwtVerify(explicit.stdout, jwks(state), { issuer: 'http://localhost:4999/_berth/oidc' }),
    ).resolves.toBeTruthy();
  });

  it('exits 2 on a bad --ttl or a missing --sub', async () => {
    const state = mkdtempSync(join(tmpdir(), 'berth-token-'));
    const bad = await token(state, '--sub', 'u', '--ttl', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ttl: got 'soon'/);
    expect((await token(state)).code).toBe(2);
  });
});

describe('parseTtl', () => {
  it('reads s, m, h, d and plain seconds', () => {
    expect([parseTtl('90s'), parseTtl('15m'), parseTtl('1h'), parseTtl('1d'), parseTtl('60')]).toEqual([
      90, 900, 3600, 86400, 60,
    ]);
    expect(parseTtl('0')).toBeUndefined();
    expect(parseTtl('1w')).toBeUndefined();
  });

  it('refuses a lifetime longer than the runtime accepts, naming the maximum (one constant for both)', () => {
    expect(TOKEN_MAX_LIFETIME_SECONDS).toBe(86_400);
    expect(parseTtl(`${TOKEN_MAX_LIFETIME_SECONDS}`)).toBe(TOKEN_MAX_LIFETIME_SECONDS);
    expect(parseTtl('24h')).toBe(TOKEN_MAX_LIFETIME_SECONDS);
    for (const ttl of ['7d', '25h', '2d', `${TOKEN_MAX_LIFETIME_SECONDS + 1}`, '1441m']) {
      expect(() => parseTtl(ttl), ttl).toThrow(/longer than the 24h \(86400 s\) the runtime accepts/);
    }
  });
});

describe('berth dev token and the runtime agree on the longest lifetime', () => {
  const state = mkdtempSync(join(tmpdir(), 'berth-token-'));
  const verifier = (now = Date.now) =>
    createTokenVerifier(
      {
        issuer: 'http://localhost:4000/_berth/oidc',
        audience: 'fixture-api',
        jwksUrl: 'http://127.0.0.1:1/unused',
      },
      { log: createLogger({ service: 'test', stage: 'dev', level: 'silent' }), keys: jwks(state), now },
    );

  it('--ttl above the maximum exits 2 with a message naming it; nothing is printed to stdout', async () => {
    const long = await token(state, '--sub', 'u', '--ttl', '7d');
    expect(long.code).toBe(2);
    expect(long.stdout).toBe('');
    expect(long.stderr).toMatch(
      /--ttl: 7d is longer than the 24h \(86400 s\) the runtime accepts.*at most 24h/,
    );
  });

  it('the longest token berth dev mints is accepted by the runtime’s verifier, for its whole life', async () => {
    const { code, stdout } = await token(state, '--sub', 'u-max', '--ttl', '24h');
    expect(code).toBe(0);
    await expect(verifier()(`Bearer ${stdout}`)).resolves.toMatchObject({ sub: 'u-max' });
    // Shortly before it expires, still good.
    const later = Date.now() + (TOKEN_MAX_LIFETIME_SECONDS - 60) * 1000;
    await expect(verifier(() => later)(`Bearer ${stdout}`)).resolves.toMatchObject({ sub: 'u-max' });
  });

  it('signToken itself refuses a lifetime the runtime would refuse', async () => {
    const key = await loadSigningKey(state);
    const base = { sub: 'u', issuer: 'i', audience: 'a' };
    await expect(signToken(key, { ...base, ttlSeconds: TOKEN_MAX_LIFETIME_SECONDS + 1 })).rejects.toThrow(
      /ttlSeconds is 86401; expected 1–86400/,
    );
  });
});
