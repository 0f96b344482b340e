import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ENV } from '@berthjs/config/contract';
import { berth, fastifyOptions, RuntimeConfigError, type Runtime } from '@berthjs/runtime';
import { authHooks, createAuthenticator, type Authenticate } from './auth';
import { createNotify, type TalentContext } from './context';
import { RESUME } from './domain';
import { applicationRoutes } from './routes/applications';
import { opportunityRoutes } from './routes/opportunities';

export interface BuildAppOptions {
  readonly runtime: Runtime;
  /** Prefix of this app's cache keys, inside the runtime's own `<app>:<stage>:` (tests give each run its own). @default '' */
  readonly cacheNamespace?: string;
  /**
   * Where swagger-ui's static files are when the app runs from the esbuild bundle (`dist/static`).
   * @default - the files inside node_modules/@fastify/swagger-ui
   */
  readonly docsStaticDir?: string;
  /** Replaces JWT verification (tests of the app alone). @default - JWKS verification from the runtime's auth config */
  readonly authenticate?: Authenticate;
  /**
   * Serve the OpenAPI document and swagger-ui under /docs. The config turns them on where it wants them (`API_DOCS`,
   * set for dev and staging in berth.config.ts; see apiDocsFlag). @default false: none in prod, nor where unset
   */
  readonly docs?: boolean;
}

/** The environment variable berth.config.ts sets where the API docs are served. */
export const API_DOCS = 'API_DOCS';

/**
 * `API_DOCS` → whether /docs is served: `on` (or `true`, `1`) serves it, unset or `off` (`false`, `0`) does not.
 * Anything else stops the start, rather than guess which way a typo meant.
 */
export function apiDocsFlag(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'off' || v === 'false' || v === '0') return false;
  if (v === 'on' || v === 'true' || v === '1') return true;
  throw new RuntimeConfigError(API_DOCS, "'on' or 'off'");
}

/**
 * The talent API: applicants apply to opportunities with a résumé in S3, every step emails them, reviewers decide.
 * Builds the Fastify instance without listening; `server.ts` serves it, tests `inject()` into it.
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const { runtime } = options;
  const authenticate = options.authenticate ?? createAuthenticator(requireAuth(runtime), runtime.log);
  const ctx: TalentContext = {
    runtime,
    resumes: runtime.storage(RESUME.bucket),
    cacheKeys: { opportunityList: `${options.cacheNamespace ?? ''}opportunities:list` },
    hooks: authHooks(authenticate),
    notify: createNotify(runtime),
  };

  const base = fastifyOptions(runtime);
  const ajv = (base.ajv ?? {}) as { customOptions?: Record<string, unknown> };
  const app = Fastify({
    ...base,
    // Bodies here are a few fields; anything bigger is not a client of ours.
    bodyLimit: 256 * 1024,
    // Every failing field in one 400, not the first; the schemas are small and bounded, so this stays cheap.
    ajv: { ...ajv, customOptions: { ...ajv.customOptions, allErrors: true } },
  } as FastifyServerOptions);
  app.decorateRequest('principal', null);

  app.register(berth, { runtime });
  if (options.docs) registerDocs(app, options.docsStaticDir);
  app.register(opportunityRoutes(ctx));
  app.register(applicationRoutes(ctx));
  return app;
}

/** The OpenAPI document (/docs/json) and swagger-ui (/docs), built from the routes' schemas. */
function registerDocs(app: FastifyInstance, docsStaticDir: string | undefined): void {
  app.register(swagger, {
    openapi: {
      info: {
        title: 'Talent API',
        version: '1.0.0',
        description: 'Applicants apply with a résumé; reviewers decide.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  app.register(swaggerUi, {
    routePrefix: '/docs',
    ...(docsStaticDir
      ? {
          baseDir: docsStaticDir,
          logo: { type: 'image/svg+xml', content: readFileSync(join(docsStaticDir, 'logo.svg')) },
        }
      : {}),
  });
}

function requireAuth(runtime: Runtime) {
  if (!runtime.config.auth)
    throw new RuntimeConfigError(
      ENV.authJwksUrl,
      'the identity provider URLs (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL): talent verifies bearer tokens',
    );
  return runtime.config.auth;
}
