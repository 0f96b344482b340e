import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseTtl } from '../src/peers/oidc/oidc';

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
    expect([parseTtl('90s'), parseTtl('15m'), parseTtl('1h'), parseTtl('7d'), parseTtl('60')]).toEqual([
      90, 900, 3600, 604800, 60,
    ]);
    expect(parseTtl('0')).toBeUndefined();
    expect(parseTtl('1w')).toBeUndefined();
  });
});
