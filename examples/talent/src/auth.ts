import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import {
  createTokenVerifier,
  ForbiddenError,
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

// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const EMAIL = /^[^@\s\u0000-\u001f\u007f]{1,64}@[^@\s\u0000-\u001f\u007f]{1,255}$/;

/**
 * The runtime's bearer verification (issuer, audience, JWKS signature, bounded lifetime) then talent's claims:
 * `sub`, `email`, `roles` (`reviewer` grants review rights).
 */
export function createAuthenticator(config: AuthConfig, log: Logger): Authenticate {
  const verify = createTokenVerifier(config, { log });
  return async (authorization) => principalFrom(await verify(authorization));
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, email, roles } = payload as JWTPayload & { email?: unknown; roles?: unknown };
  // eslint-disable-next-line no-control-regex -- a NUL in sub would reach the applicant_sub column
  if (typeof sub !== 'string' || sub === '' || sub.length > 255 || /[\u0000-\u001f\u007f]/.test(sub))
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
