import { createHmac } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_MAX_LIFETIME_SECONDS } from '@berthjs/config/contract';
import { createLogger, createTokenVerifier, type TokenVerifier } from '../src/index';

const log = createLogger({ service: 'test', stage: 'dev', level: 'silent' });
const config = { issuer: 'https://id.example.com/', audience: 'api', jwksUrl: 'https://id.example.com/jwks' };
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const now = Math.floor(NOW / 1000);
const HOUR = 3600;
const b64url = (v: object | string) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

let privateKey: CryptoKey;
let publicJwk: JWK;
let publicPem: string;
let verify: TokenVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  publicPem = await exportSPKI(pair.publicKey);
  verify = createTokenVerifier(config, {
    log,
    keys: createLocalJWKSet({ keys: [publicJwk] }),
    now: () => NOW,
  });
});

/** A token as the identity provider would sign it, with the given time claims (seconds; null leaves one out). */
async function token(times: { iat?: number | null; exp?: number | null; nbf?: number }, header: object = {}) {
  const jwt = new SignJWT({ email: 'ann@example.com' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
    .setSubject('u1')
    .setIssuer(config.issuer)
    .setAudience(config.audience);
  if (times.iat !== null) jwt.setIssuedAt(times.iat ?? now);
  if (times.exp !== null) jwt.setExpirationTime(times.exp ?? now + HOUR);
  if (times.nbf !== undefined) jwt.setNotBefore(times.nbf);
  return `Bearer ${await jwt.sign(privateKey)}`;
}

describe('createTokenVerifier: lifetime', () => {
  it('accepts a normal token and returns its claims', async () => {
    await expect(verify(await token({}))).resolves.toMatchObject({ sub: 'u1', email: 'ann@example.com' });
  });

  it.each([
    ['no exp', { exp: null }],
    ['exp a century ahead', { exp: now + 100 * 365 * 24 * HOUR }],
    ['exp 25 h ahead (default maximum 24 h)', { exp: now + 25 * HOUR }],
    ['iat a year ahead', { iat: now + 365 * 24 * HOUR, exp: now + 365 * 24 * HOUR + HOUR }],
    ['iat 2 minutes ahead (beyond the 60 s tolerance)', { iat: now + 120 }],
    ['a lifetime (exp − iat) of 30 days', { iat: now - 30 * 24 * HOUR + HOUR, exp: now + HOUR }],
    ['nbf 5 minutes ahead', { nbf: now + 300 }],
    ['expired 2 minutes ago', { iat: now - HOUR, exp: now - 120 }],
  ])('%s → 401 INVALID_TOKEN', async (_name, times) => {
    await expect(verify(await token(times))).rejects.toMatchObject({
      statusCode: 401,
      code: 'INVALID_TOKEN',
    });
  });

  it.each([
    ['iat 30 s ahead', { iat: now + 30 }],
    ['nbf 30 s ahead', { nbf: now + 30 }],
    ['expired 30 s ago', { iat: now - HOUR, exp: now - 30 }],
    ['no iat, exp within 24 h', { iat: null, exp: now + 23 * HOUR }],
  ])('%s → accepted (within the clock tolerance)', async (_name, times) => {
    await expect(verify(await token(times))).resolves.toMatchObject({ sub: 'u1' });
  });

  it('the default maximum is TOKEN_MAX_LIFETIME_SECONDS from @berthjs/config (what berth dev token mints at most)', async () => {
    expect(TOKEN_MAX_LIFETIME_SECONDS).toBe(24 * HOUR);
    await expect(verify(await token({ exp: now + TOKEN_MAX_LIFETIME_SECONDS }))).resolves.toMatchObject({
      sub: 'u1',
    });
    await expect(verify(await token({ exp: now + TOKEN_MAX_LIFETIME_SECONDS + 1 }))).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
      message: expect.stringMatching(/lifetime exceeds 86400 s/),
    });
  });

  it('maxLifetimeSeconds is configurable and validated', async () => {
    const short = createTokenVerifier(config, {
      log,
      keys: createLocalJWKSet({ keys: [publicJwk] }),
      now: () => NOW,
      maxLifetimeSeconds: 900,
    });
    await expect(short(await token({}))).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(short(await token({ exp: now + 600 }))).resolves.toMatchObject({ sub: 'u1' });
    expect(() => createTokenVerifier(config, { log, maxLifetimeSeconds: 0 })).toThrow(
      /maxLifetimeSeconds is 0/,
    );
    expect(() => createTokenVerifier(config, { log, algorithms: ['HS256'] })).toThrow(/HS256 not allowed/);
  });
});

describe('createTokenVerifier: the attacks stopped (regression tests)', () => {
  const claims = () => ({
    sub: 'u1',
    email: 'ann@example.com',
    iss: config.issuer,
    aud: config.audience,
    iat: now,
    exp: now + HOUR,
    roles: ['reviewer'],
  });

  it('alg none (unsigned) → 401', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims())}.`;
      await expect(verify(`Bearer ${unsigned}`)).rejects.toMatchObject({ statusCode: 401 });
      await expect(verify(`Bearer ${unsigned}AAAA`)).rejects.toMatchObject({ statusCode: 401 });
    }
  });

  it('key confusion: HS256 signed with the public key as the shared secret → 401', async () => {
    for (const secret of [publicPem, JSON.stringify(publicJwk), publicJwk.n!]) {
      const head = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64url(claims())}`;
      const sig = createHmac('sha256', secret).update(head).digest('base64url');
      await expect(verify(`Bearer ${head}.${sig}`)).rejects.toMatchObject({ statusCode: 401 });
    }
  });

  it('kid tricks: an unknown kid, a path, an embedded jwk or jku → 401', async () => {
    const rogue = await generateKeyPair('RS256', { extractable: true });
    const rogueJwk = await exportJWK(rogue.publicKey);
    for (const header of [
      { kid: 'k2' },
      { kid: '../../../../dev/null' },
      { kid: "k1' OR '1'='1" },
      { kid: 'k1', jwk: rogueJwk },
      { kid: 'k1', jku: 'https://evil.example.com/jwks.json' },
    ]) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', ...header })
        .sign(rogue.privateKey);
      await expect(verify(`Bearer ${forged}`), JSON.stringify(header)).rejects.toMatchObject({
        statusCode: 401,
      });
    }
  });

  it('a tampered payload on a real signature → 401', async () => {
    const [h, , s] = (await token({})).slice('Bearer '.length).split('.');
    const forged = `${h}.${b64url({ ...claims(), sub: 'someone-else' })}.${s}`;
    await expect(verify(`Bearer ${forged}`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('a missing or malformed header → 401 without reaching the signature check', async () => {
    for (const header of [
      undefined,
      '',
      'Basic YTpi',
      'Bearer',
      'Bearer a.b',
      'Bearer a.b.c.d',
      'bearer  x.y.z\n',
    ])
      await expect(verify(header)).rejects.toMatchObject({ statusCode: 401 });
  });
});
