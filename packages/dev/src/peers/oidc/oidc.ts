import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { TOKEN_MAX_LIFETIME_SECONDS } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';

/** Where the dev issuer's signing key lives, so tokens survive restarts and `berth dev token` can sign offline. */
export const KEY_FILE = 'oidc-key.json';
const ALG = 'RS256';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: Awaited<ReturnType<typeof importJWK>>;
  /** The public half, as served in the JWKS. */
  readonly publicJwk: JWK;
}

/** `http://localhost:4000/_berth/oidc`: the `iss` of every dev token. */
export function issuerUrl(port: number): string {
  return `http://localhost:${port}/_berth/oidc`;
}

/** The JWKS URL services fetch; 127.0.0.1 so it never depends on how `localhost` resolves. */
export function jwksUrl(port: number): string {
  return `http://127.0.0.1:${port}/_berth/oidc/.well-known/jwks.json`;
}

/** Reads the key from `<state>/oidc-key.json`, creating it on first use. */
export async function loadSigningKey(stateDir: string): Promise<SigningKey> {
  const file = join(stateDir, KEY_FILE);
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `${file} is not a readable JWK (${(err as Error).message}); delete it to create a new key`,
        {
          cause: err,
        },
      );
    }
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    jwk = {
      ...(await exportJWK(privateKey)),
      alg: ALG,
      use: 'sig',
      kid: `berth-dev-${Date.now().toString(36)}`,
    };
    await mkdir(stateDir, { recursive: true });
    try {
      await writeFile(file, JSON.stringify(jwk, null, 2), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another berth process created it first: use theirs, so both sign with the same key.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    }
  }
  const privateKey = await importJWK(jwk, ALG);
  const { kty, n, e, kid } = jwk;
  return { kid: kid ?? 'berth-dev', privateKey, publicJwk: { kty, n, e, kid, alg: ALG, use: 'sig' } };
}

export interface TokenClaims {
  readonly sub: string;
  readonly email?: string;
  readonly roles?: readonly string[];
}

export async function signToken(
  key: SigningKey,
  options: TokenClaims & { readonly issuer: string; readonly audience: string; readonly ttlSeconds: number },
): Promise<string> {
  if (!(options.ttlSeconds > 0 && options.ttlSeconds <= TOKEN_MAX_LIFETIME_SECONDS))
    throw new RangeError(`ttlSeconds is ${options.ttlSeconds}; expected 1–${TOKEN_MAX_LIFETIME_SECONDS}`);
  return new SignJWT({
    ...(options.email ? { email: options.email } : {}),
    roles: [...(options.roles ?? [])],
  })
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(key.privateKey);
}

/**
 * `90s`, `15m`, `1h`, `1d` or plain seconds → seconds; undefined when it is not a lifetime. Longer than the runtime
 * accepts (TOKEN_MAX_LIFETIME_SECONDS, 24 h) is refused with a CliError naming the maximum: such a token would be
 * signed, and then refused by every service with a 401.
 */
export function parseTtl(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (n <= 0) return undefined;
  const seconds = n * unit;
  if (seconds > TOKEN_MAX_LIFETIME_SECONDS) {
    throw new CliError(
      `--ttl: ${text.trim()} is longer than the ${TOKEN_MAX_LIFETIME_SECONDS / 3600}h (${TOKEN_MAX_LIFETIME_SECONDS} s) ` +
        `the runtime accepts: a longer token would be refused with a 401. Use at most ${TOKEN_MAX_LIFETIME_SECONDS / 3600}h`,
      EXIT.invalid,
    );
  }
  return seconds;
}

/** The discovery document, enough for libraries that start from the issuer. */
export function discovery(issuer: string, jwks: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwks,
    id_token_signing_alg_values_supported: [ALG],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
  };
}
