import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export interface LocalIdentity {
  /** AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL for the contract env. */
  readonly env: { AUTH_ISSUER: string; AUTH_AUDIENCE: string; AUTH_JWKS_URL: string };
  /** A signed access token for `sub` (email `<sub>@example.com` unless given). */
  token(sub: string, options?: { reviewer?: boolean; email?: string; expiresIn?: string }): Promise<string>;
  /** How many times the JWKS was fetched. */
  readonly fetches: number;
  close(): Promise<void>;
}

/**
 * A local identity provider: one ES256 key, its JWKS on 127.0.0.1, and a signer for tokens with the claims talent
 * reads (`sub`, `email`, `roles`). The app verifies them exactly as it verifies the real provider's.
 */
export async function startIdentity(audience = 'talent-api'): Promise<LocalIdentity> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('identity: no address');
  const base = `http://127.0.0.1:${address.port}`;
  const issuer = `${base}/`;
  const key: CryptoKey = privateKey;

  return {
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URL: `${base}/.well-known/jwks.json` },
    token(sub, options = {}) {
      return new SignJWT({
        email: options.email ?? `${sub}@example.com`,
        roles: options.reviewer ? ['reviewer'] : [],
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '1h')
        .sign(key);
    },
    get fetches() {
      return fetches;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
