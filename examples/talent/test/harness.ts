import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createLogger, createRuntime, migrate, type Runtime } from '@berthjs/runtime';
import {
  contractEnv,
  createTestDatabase,
  startS3rver,
  startSesLocal,
  type LocalS3,
  type LocalSes,
  type TestDatabase,
} from '../../../test/support';
import { buildApp } from '../src/app';

export const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));
export const RESUME_BUCKET = 'talent-resumes';
export const PDF = 'application/pdf';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export interface User {
  readonly sub: string;
  readonly email: string;
  readonly roles?: readonly string[];
}

export const USERS = {
  owner: { sub: 'auth0|applicant-ada', email: 'ada@example.com' },
  other: { sub: 'auth0|applicant-bob', email: 'bob@example.com' },
  reviewer: { sub: 'auth0|reviewer-rae', email: 'rae@example.com', roles: ['reviewer'] },
} as const satisfies Record<string, User>;

export interface TokenOptions {
  readonly issuer?: string;
  readonly audience?: string;
  readonly expiresIn?: string | number;
  /** Sign with a key the JWKS does not hold. */
  readonly rogue?: boolean;
  readonly claims?: Record<string, unknown>;
}

/** A tiny identity provider: a JWKS endpoint over HTTP and a signer for tokens it would issue. */
export interface Identity {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  token(user: User, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startIdentity(): Promise<Identity> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const rogue = await generateKeyPair('RS256');
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'talent-test', alg: 'RS256', use: 'sig' }],
  });
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json')
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;
  const audience = 'talent-api';
  return {
    issuer,
    audience,
    jwksUrl: `${base}/.well-known/jwks.json`,
    async token(user, options = {}) {
      const key: CryptoKey = options.rogue ? rogue.privateKey : privateKey;
      return new SignJWT({ email: user.email, roles: user.roles ?? [], ...options.claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'talent-test' })
        .setSubject(user.sub)
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Talent {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly identity: Identity;
  readonly ses: LocalSes;
  readonly s3: LocalS3;
  readonly db: TestDatabase;
  readonly cacheNamespace: string;
  readonly tokens: { readonly owner: string; readonly other: string; readonly reviewer: string };
  /** Authorization header for a role, or none. */
  auth(role: Role): Record<string, string>;
  close(): Promise<void>;
}

export type Role = 'anonymous' | 'owner' | 'other' | 'reviewer';
export const ROLES: readonly Role[] = ['anonymous', 'owner', 'other', 'reviewer'];

/** The contract env of a talent task against this test's peers (the same names `berth dev` and ECS set). */
export function talentEnv(peers: {
  db: TestDatabase;
  s3: LocalS3;
  ses: LocalSes;
  identity: Identity;
}): NodeJS.ProcessEnv {
  return contractEnv({
    BERTH_APP: 'talent',
    DATABASE_SECRET: JSON.stringify(peers.db.secret),
    CACHE_URL: 'redis://127.0.0.1:6379',
    buckets: `resumes=${RESUME_BUCKET}`,
    MAIL_FROM: 'Talent <no-reply@talent.example.com>',
    MAIL_ALLOW_LIST: '@example.com',
    AUTH_ISSUER: peers.identity.issuer,
    AUTH_AUDIENCE: peers.identity.audience,
    AUTH_JWKS_URL: peers.identity.jwksUrl,
    AWS_ENDPOINT_URL_S3: peers.s3.endpoint,
    AWS_ENDPOINT_URL_SESV2: peers.ses.endpoint,
  });
}

/** The app on real PostgreSQL, s3rver, aws-ses-v2-local and Redis (its own key namespace), migrated. */
export async function startTalent(): Promise<Talent> {
  const [db, s3, ses, identity] = await Promise.all([
    createTestDatabase(),
    startS3rver([RESUME_BUCKET]),
    startSesLocal(),
    startIdentity(),
  ]);
  const env = talentEnv({ db, s3, ses, identity });
  // The AWS SDK reads credentials from process.env, not from the env handed to createRuntime.
  process.env.AWS_ACCESS_KEY_ID ??= env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY ??= env.AWS_SECRET_ACCESS_KEY;
  const runtime = createRuntime({
    env,
    logger: createLogger({ service: 'api', stage: 'test', level: 'silent' }),
  });
  await migrate(runtime.db, MIGRATIONS, { log: runtime.log });
  const cacheNamespace = `talent-test:${randomBytes(6).toString('hex')}:`;
  // The tests run the app as the dev environment does (berth.config.ts sets API_DOCS=on there).
  const app = buildApp({ runtime, cacheNamespace, docs: true });
  await app.ready();
  const tokens = {
    owner: await identity.token(USERS.owner),
    other: await identity.token(USERS.other),
    reviewer: await identity.token(USERS.reviewer),
  };
  return {
    app,
    runtime,
    identity,
    ses,
    s3,
    db,
    cacheNamespace,
    tokens,
    auth: (role): Record<string, string> =>
      role === 'anonymous' ? {} : { authorization: `Bearer ${tokens[role]}` },
    async close() {
      await app.close();
      await runtime.cache.del(`${cacheNamespace}opportunities:list`).catch(() => undefined);
      await runtime.close();
      await Promise.all([s3.close(), ses.close(), identity.close()]);
      await db.drop();
    },
  };
}

/** Uploads `bytes` with what POST /applications/:id/resume-upload returned, as a browser would. */
export async function uploadWith(
  upload: { url: string; method: string; headers: Record<string, string>; fields?: Record<string, string> },
  bytes: Uint8Array,
  contentType: string,
): Promise<Response> {
  if (upload.method === 'PUT') {
    return fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields ?? {})) form.append(name, value);
  form.append('file', new Blob([bytes], { type: contentType }), 'resume');
  return fetch(upload.url, { method: 'POST', headers: upload.headers, body: form });
}

/** A few bytes that look like a PDF. */
export function pdfBytes(size = 2048): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'));
  return bytes;
}

/** Steps of the journey, each asserting its own success; tests compose them into the state they need. */
export async function createOpportunity(t: Talent, body: Record<string, unknown> = {}): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/opportunities',
    headers: t.auth('reviewer'),
    payload: { title: 'Data engineer', description: 'Pipelines for a public-interest program.', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`createOpportunity: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

export async function apply(t: Talent, role: Role, opportunityId: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/applications',
    headers: t.auth(role),
    payload: { opportunityId },
  });
  if (res.statusCode !== 201) throw new Error(`apply: ${res.statusCode} ${res.body}`);
  return res.json<{ id: string }>().id;
}

export async function uploadResume(
  t: Talent,
  role: Role,
  applicationId: string,
  bytes: Uint8Array = pdfBytes(),
): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/applications/${applicationId}/resume-upload`,
    headers: t.auth(role),
    payload: { contentType: PDF, size: bytes.byteLength },
  });
  if (res.statusCode !== 200) throw new Error(`resume-upload: ${res.statusCode} ${res.body}`);
  const upload = res.json<{
    url: string;
    method: string;
    headers: Record<string, string>;
    fields?: Record<string, string>;
    key: string;
  }>();
  const put = await uploadWith(upload, bytes, PDF);
  if (!put.ok) throw new Error(`upload to S3: ${put.status} ${await put.text()}`);
  return upload.key;
}

export async function submit(t: Talent, role: Role, applicationId: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/applications/${applicationId}/submit`,
    headers: t.auth(role),
  });
  if (res.statusCode !== 200) throw new Error(`submit: ${res.statusCode} ${res.body}`);
}

export async function setStatus(t: Talent, applicationId: string, status: string): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/applications/${applicationId}/status`,
    headers: t.auth('reviewer'),
    payload: { status },
  });
  if (res.statusCode !== 200) throw new Error(`status ${status}: ${res.statusCode} ${res.body}`);
}
