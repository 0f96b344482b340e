import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import {
  ForbiddenError,
  ServiceUnavailableError,
  UnauthorizedError,
  type AuthConfig,
  type Logger,
} from '@berthjs/runtime';
import type { Principal } from './domain';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `authenticated` / `reviewer` hooks; null on public routes. */
    principal: Principal | null;
  }
}

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** Three base64url segments: anything else is rejected before jose sees it. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;
/** jose failures about the key set (unreachable, slow, malformed) rather than the token: a 503, not a 401. */
const KEY_SET_FAILURES: ReadonlySet<string> = new Set([
  errors.JWKSTimeout.code,
  errors.JWKSInvalid.code,
  errors.JOSEError.code,
]);
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const EMAIL = /^[^@\s\u0000-\u001f\u007f]{1,64}@[^@\s\u0000-\u001f\u007f]{1,255}$/;
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/**
 * Verifies `Authorization: Bearer <JWT>` against the identity provider's JWKS (fetched once, cached and refreshed
 * by jose on an unknown `kid`). Claims: `sub`, `email`, `roles` (`reviewer` grants review rights).
 */
export function createAuthenticator(config: AuthConfig, log: Logger): Authenticate {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), {
    timeoutDuration: 3000,
    cooldownDuration: 30_000,
  });
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: ALGORITHMS,
    clockTolerance: 5,
  };

  return async function authenticate(authorization) {
    if (authorization === undefined || authorization === '')
      throw new UnauthorizedError('Missing bearer token');
    const match = BEARER.exec(authorization);
    if (!match) throw new UnauthorizedError('Malformed bearer token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, jwks, options));
    } catch (err) {
      if (isKeySetFailure(err)) {
        log.error({ err }, 'auth: key set unavailable');
        throw new ServiceUnavailableError('Identity provider unavailable', { code: 'AUTH_UNAVAILABLE' });
      }
      throw new UnauthorizedError('Invalid bearer token', { code: 'INVALID_TOKEN' });
    }
    return principalFrom(payload);
  };
}

function isKeySetFailure(err: unknown): boolean {
  if (err instanceof errors.JOSEError) return KEY_SET_FAILURES.has(err.code);
  // fetch() rejects with a TypeError when the JWKS endpoint cannot be reached.
  return err instanceof TypeError && err.message === 'fetch failed';
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, email, roles } = payload as JWTPayload & { email?: unknown; roles?: unknown };
  if (typeof sub !== 'string' || sub === '' || sub.length > 255)
    throw new UnauthorizedError('Token has no usable sub', { code: 'INVALID_TOKEN' });
  // No control characters (NUL included): the address is stored in text and used as a mail header.
  if (typeof email !== 'string' || !EMAIL.test(email)) {
    throw new UnauthorizedError('Token has no usable email', { code: 'INVALID_TOKEN' });
  }
  const reviewer = Array.isArray(roles) && roles.includes('reviewer');
  return { sub, email: email.toLowerCase(), reviewer };
}

/** Route hooks: `authenticated` for any signed-in user, `reviewer` for review rights. */
export function authHooks(authenticate: Authenticate) {
  async function authenticated(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    request.principal = await authenticate(request.headers.authorization);
  }
  async function reviewer(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const principal = await authenticate(request.headers.authorization);
    if (!principal.reviewer) throw new ForbiddenError('Reviewer role required');
    request.principal = principal;
  }
  return { authenticated, reviewer };
}
