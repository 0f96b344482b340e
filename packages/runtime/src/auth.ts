import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { TOKEN_MAX_LIFETIME_SECONDS } from '@berthjs/config/contract';
import type { AuthConfig } from './config';
import { ServiceUnavailableError, UnauthorizedError } from './errors';
import type { Logger } from './logger';

export interface TokenVerifierOptions {
  readonly log: Logger;
  /**
   * Longest lifetime a token may have: `exp − iat`, and `exp` from now. A token minted for a century is refused
   * even though its signature is good. `berth dev token` mints none longer than the default.
   * @default TOKEN_MAX_LIFETIME_SECONDS from @berthjs/config (86400: 24 h)
   */
  readonly maxLifetimeSeconds?: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`. @default 60 */
  readonly clockToleranceSeconds?: number;
  /** Signature algorithms accepted; never `none` or HMAC, so a public key can never be used as a shared secret. */
  readonly algorithms?: readonly string[];
  /** @default - the JWKS at config.jwksUrl, fetched once, cached, refreshed on an unknown `kid` */
  readonly keys?: JWTVerifyGetKey;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** Verifies `Authorization: Bearer <JWT>`; resolves to the verified claims or throws a 401 (503 if keys are down). */
export type TokenVerifier = (authorization: string | undefined) => Promise<JWTPayload>;

/** Three base64url segments: anything else is refused before jose sees it. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
/** jose failures about the key set (unreachable, slow, malformed) rather than the token: a 503, not a 401. */
const KEY_SET_FAILURES: ReadonlySet<string> = new Set([
  errors.JWKSTimeout.code,
  errors.JWKSInvalid.code,
  errors.JOSEError.code,
]);

/**
 * Bearer-token verification every app gets the same way: issuer, audience, an asymmetric signature from the
 * identity provider's JWKS, and a bounded lifetime — `exp` required, no more than `maxLifetimeSeconds` away (and
 * no more than that after `iat`), `iat` not in the future and `nbf` already passed, each within the clock tolerance.
 */
export function createTokenVerifier(config: AuthConfig, options: TokenVerifierOptions): TokenVerifier {
  const { log } = options;
  const maxLifetime = options.maxLifetimeSeconds ?? TOKEN_MAX_LIFETIME_SECONDS;
  const tolerance = options.clockToleranceSeconds ?? 60;
  if (!Number.isInteger(maxLifetime) || maxLifetime < 60)
    throw new RangeError(`maxLifetimeSeconds is ${String(maxLifetime)}; expected an integer of at least 60`);
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300)
    throw new RangeError(`clockToleranceSeconds is ${String(tolerance)}; expected an integer from 0 to 300`);
  const algorithms = [...(options.algorithms ?? ASYMMETRIC)];
  const bad = algorithms.filter((a) => !ASYMMETRIC.includes(a));
  if (bad.length)
    throw new RangeError(
      `algorithms: ${bad.join(', ')} not allowed; expected some of ${ASYMMETRIC.join(', ')}`,
    );
  const keys =
    options.keys ??
    createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  const now = options.now ?? Date.now;
  const invalid = (why: string) =>
    new UnauthorizedError(`Invalid bearer token: ${why}`, { code: 'INVALID_TOKEN' });

  return async function verify(authorization) {
    if (authorization === undefined || authorization === '')
      throw new UnauthorizedError('Missing bearer token');
    const match = BEARER.exec(authorization);
    if (!match) throw new UnauthorizedError('Malformed bearer token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms,
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      }));
    } catch (err) {
      if (isKeySetFailure(err)) {
        log.error({ err: { message: (err as Error).message } }, 'auth: key set unavailable');
        throw new ServiceUnavailableError('Identity provider unavailable', { code: 'AUTH_UNAVAILABLE' });
      }
      throw new UnauthorizedError('Invalid bearer token', { code: 'INVALID_TOKEN' });
    }
    const nowSeconds = Math.floor(now() / 1000);
    const { exp, iat } = payload;
    if (typeof exp !== 'number') throw invalid('exp is required');
    if (exp - nowSeconds > maxLifetime + tolerance)
      throw invalid(`it expires more than ${maxLifetime} s from now`);
    if (iat !== undefined) {
      if (typeof iat !== 'number') throw invalid('iat is not a number');
      if (iat > nowSeconds + tolerance) throw invalid('iat is in the future');
      if (exp - iat > maxLifetime) throw invalid(`its lifetime exceeds ${maxLifetime} s`);
    }
    return payload;
  };
}

function isKeySetFailure(err: unknown): boolean {
  if (err instanceof errors.JOSEError) return KEY_SET_FAILURES.has(err.code);
  // fetch() rejects with a TypeError when the JWKS endpoint cannot be reached.
  return err instanceof TypeError && err.message === 'fetch failed';
}
