import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  berth,
  ConflictError,
  createLogger,
  createRuntime,
  DatabaseUnavailableError,
  fastifyOptions,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  type Logger,
  type Runtime,
} from '../src/index';
import { nextRequestId } from '../src/http';
import { contractEnv, createTestDatabase, freePort, type TestDatabase } from '../../../test/support';

/** nextRequestId(): 16 hex digits of per-process randomness, a base-36 counter. */
const GENERATED_ID = /^[0-9a-f]{16}-[0-9a-z]+$/;

async function build(
  env: NodeJS.ProcessEnv,
  lines: Array<Record<string, unknown>> = [],
  routes: (app: FastifyInstance) => void = () => undefined,
  level: 'info' | 'debug' = 'info',
): Promise<{ app: FastifyInstance; runtime: Runtime }> {
  const logger = createLogger({
    service: 'api',
    stage: 'dev',
    level,
    destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
  });
  const runtime = createRuntime({ env, logger });
  const app = Fastify(fastifyOptions(runtime));
  await app.register(berth, { runtime });
  app.get('/missing', async () => {
    throw new NotFoundError('Opportunity not found');
  });
  app.get('/conflict', async () => {
    throw new ConflictError('Already submitted', { code: 'NOT_DRAFT', details: { status: 'submitted' } });
  });
  app.get('/401', async () => {
    throw new UnauthorizedError();
  });
  app.get('/403', async () => {
    throw new ForbiddenError();
  });
  app.get('/db-down', async () => {
    throw new DatabaseUnavailableError();
  });
  app.get('/bug', async () => {
    throw new Error('TypeError-ish: cannot read x of undefined at /srv/secret/path.ts');
  });
  app.post(
    '/things',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'size'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (req) => req.body,
  );
  // Casts a value with the real server: how a route passing unchecked input to SQL meets class 22 errors.
  const TYPES = ['uuid', 'text', 'timestamptz', 'int4', 'date', 'no_such_type'];
  app.post<{ Body: { type: string; value: string } }>('/cast', async (req) => {
    if (!TYPES.includes(req.body.type)) throw new Error('test: unknown type');
    const { rows } = await runtime.db.query(`select $1::${req.body.type} as v`, [req.body.value]);
    return rows[0];
  });
  routes(app);
  await app.ready();
  return { app, runtime };
}

describe('berth Fastify plugin', () => {
  const lines: Array<Record<string, unknown>> = [];
  let app: FastifyInstance;
  let runtime: Runtime;
  // The same app logging at debug, where the access line carries the (redacted) request headers.
  let debugApp: FastifyInstance;
  let debugRuntime: Runtime;

  beforeAll(async () => {
    ({ app, runtime } = await build(contractEnv(), lines));
    ({ app: debugApp, runtime: debugRuntime } = await build(contractEnv(), lines, undefined, 'debug'));
  });

  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await debugApp?.close();
    await debugRuntime?.close();
  });

  it('at info the access line has no header set: method, redacted url, user agent, client, status, ms', async () => {
    await app.inject({
      url: '/missing?page=2',
      headers: { 'user-agent': 'probe/1.0', 'x-custom': 'not-logged', 'x-request-id': 'short-1' },
    });
    const line = lines.find((l) => l.msg === 'request' && l.requestId === 'short-1') as {
      request: Record<string, unknown>;
      statusCode: number;
    };
    expect(line.request).toEqual({
      method: 'GET',
      url: '/missing?page=2',
      userAgent: 'probe/1.0',
      remoteAddress: '127.0.0.1',
    });
    expect(line.statusCode).toBe(404);
    expect(JSON.stringify(lines)).not.toContain('not-logged');
  });

  it('GET healthPath → 200 ok; readiness without a database → 200', async () => {
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/ready');
    expect(ready.statusCode).toBe(200);
  });

  it.each([
    ['/missing', 404, { code: 'NOT_FOUND', message: 'Opportunity not found' }],
    ['/conflict', 409, { code: 'NOT_DRAFT', message: 'Already submitted', details: { status: 'submitted' } }],
    ['/401', 401, { code: 'UNAUTHORIZED', message: 'Unauthorized' }],
    ['/403', 403, { code: 'FORBIDDEN', message: 'Forbidden' }],
    ['/db-down', 503, { code: 'DB_UNAVAILABLE', message: 'Database unavailable' }],
    ['/nowhere', 404, { code: 'NOT_FOUND', message: 'Route GET /nowhere not found' }],
  ])('GET %s → %i with { error: { code, message } }', async (url, status, error) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error });
  });

  it('an unknown error → 500 with a generic message; the detail is only in the log', async () => {
    const res = await app.inject({ url: '/bug', headers: { 'x-request-id': 'bug-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
    expect(res.body).not.toContain('secret/path');
    const logged = lines.find((l) => l.msg === 'unhandled error' && l.requestId === 'bug-1');
    expect(JSON.stringify(logged)).toContain('cannot read x of undefined');
  });

  it('validation errors → 400 naming the failing fields', async () => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: { size: 0, extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['body.name']),
    );
    const bad = await app.inject({
      method: 'POST',
      url: '/things',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
  });

  it('honours and echoes x-request-id, generates an id otherwise, and logs with it', async () => {
    const given = await app.inject({ url: '/missing', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await app.inject('/missing');
    expect(generated.headers['x-request-id']).toMatch(GENERATED_ID);
    const hostile = await app.inject({
      url: '/missing',
      headers: { 'x-request-id': 'a"b\u0001'.padEnd(300, 'x') },
    });
    expect(hostile.headers['x-request-id']).toMatch(GENERATED_ID);
    expect(lines.some((l) => l.msg === 'request' && l.requestId === 'abc-123')).toBe(true);
    const id = generated.headers['x-request-id'];
    expect(lines.filter((l) => l.msg === 'request' && l.requestId === id)).toHaveLength(1);
  });

  it('takes the ALB’s id from X-Amzn-Trace-Id: Self when present, else Root; x-request-id still wins', async () => {
    const self = '1-67891233-12456789abcdef0123456789';
    const root = '1-67891233-abcdef012345678912345678';
    const cases: Array<[Record<string, string>, string | RegExp]> = [
      [{ 'x-amzn-trace-id': `Root=${root}` }, root],
      [{ 'x-amzn-trace-id': `Self=${self};Root=${root}` }, self],
      [{ 'x-amzn-trace-id': `Root=${root};Self=${self};CalledFrom=app` }, self],
      [{ 'x-amzn-trace-id': `Root=${root}`, 'x-request-id': 'mine-1' }, 'mine-1'],
      // Not the ALB's syntax: ignored, an id is generated.
      [{ 'x-amzn-trace-id': 'Root=1-xyz-abc' }, GENERATED_ID],
      [{ 'x-amzn-trace-id': `Root=${root}x` }, GENERATED_ID],
      [{ 'x-amzn-trace-id': `NotRoot=${root}` }, GENERATED_ID],
    ];
    for (const [headers, expected] of cases) {
      const res = await app.inject({ url: '/missing', headers });
      if (typeof expected === 'string')
        expect(res.headers['x-request-id'], JSON.stringify(headers)).toBe(expected);
      else expect(res.headers['x-request-id'], JSON.stringify(headers)).toMatch(expected);
    }
    expect(lines.some((l) => l.msg === 'request' && l.requestId === self)).toBe(true);
  });

  it('generated ids are unique within the process and share one random prefix', () => {
    const ids = Array.from({ length: 20_000 }, () => nextRequestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(GENERATED_ID);
    expect(new Set(ids.map((id) => id.split('-')[0])).size).toBe(1);
  });

  it('request.log carries the request id and honours the route’s logLevel and redaction', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const { app: logged, runtime: rt } = await build(contractEnv(), seen, (app) => {
      app.get('/quiet', { logLevel: 'warn' }, async (request) => {
        request.log.info('dropped: below the route level');
        request.log.warn({ step: 1, headers: { authorization: 'Bearer leak-1' } }, 'kept');
        return { ok: true };
      });
      app.get('/chatty', async (request) => {
        request.log.info('plain message %s', 'interpolated');
        request.log.error(new Error('an error first'));
        request.log.child({ part: 'child' }).info({ password: 'leak-2' }, 'from a child');
        const log = request.log as Logger;
        return { ok: log.isLevelEnabled('info') && !log.isLevelEnabled('debug') };
      });
    });
    const quiet = await logged.inject({ url: '/quiet', headers: { 'x-request-id': 'quiet-route' } });
    expect(quiet.statusCode).toBe(200);
    const chatty = await logged.inject({ url: '/chatty', headers: { 'x-request-id': 'chatty-route' } });
    expect(chatty.json()).toEqual({ ok: true });
    await logged.close();
    await rt.close();

    const of = (id: string) => seen.filter((l) => l.requestId === id);
    // The route's level (warn) drops its info lines, the access line included, as a pino child at warn would.
    expect(of('quiet-route').map((l) => l.msg)).toEqual(['kept']);
    expect(of('quiet-route')[0]).toMatchObject({ service: 'api', stage: 'dev', level: 'warn', step: 1 });
    expect(of('chatty-route').map((l) => l.msg)).toEqual([
      'plain message interpolated',
      'an error first',
      'from a child',
      'request',
    ]);
    expect(of('chatty-route')[1]).toMatchObject({ level: 'error', err: { message: 'an error first' } });
    expect(of('chatty-route')[2]).toMatchObject({ part: 'child', password: '[redacted]' });
    expect(JSON.stringify(seen)).not.toMatch(/leak-\d/);
  });

  it('an app built without fastifyOptions() still gets request ids, never Fastify’s req-1', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      service: 'api',
      stage: 'dev',
      destination: { write: (s: string) => void seen.push(JSON.parse(s)) },
    });
    const rt = createRuntime({ env: contractEnv(), logger });
    const plain = Fastify({ loggerInstance: logger });
    await plain.register(berth, { runtime: rt });
    plain.get('/x', async () => ({ ok: true }));
    const generated = await plain.inject('/x');
    expect(generated.headers['x-request-id']).toMatch(GENERATED_ID);
    const given = await plain.inject({ url: '/x', headers: { 'x-request-id': 'plain-1' } });
    expect(given.headers['x-request-id']).toBe('plain-1');
    const traced = await plain.inject({
      url: '/x',
      headers: { 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678' },
    });
    expect(traced.headers['x-request-id']).toBe('1-67891233-abcdef012345678912345678');
    await plain.close();
    await rt.close();
    expect(seen.some((l) => l.msg === 'request' && l.requestId === 'plain-1')).toBe(true);
  });

  it('redacts authorization and cookie headers in the access log (debug)', async () => {
    await debugApp.inject({
      url: '/missing',
      headers: {
        authorization: 'Bearer eyJ-very-secret',
        cookie: 'sid=also-secret',
        'x-request-id': 'redact-1',
      },
    });
    const line = lines.find((l) => l.msg === 'request' && l.requestId === 'redact-1') as {
      request: { headers: Record<string, string> };
    };
    expect(line.request.headers.authorization).toBe('[redacted]');
    expect(line.request.headers.cookie).toBe('[redacted]');
    expect(JSON.stringify(lines)).not.toContain('very-secret');
    expect(JSON.stringify(lines)).not.toContain('also-secret');
  });

  it('redacts every credential header (debug) and credential query parameters in the access log', async () => {
    const secrets = {
      'proxy-authorization': 'Basic cHJveHktc2VjcmV0',
      'x-auth-token': 'xauth-secret-1',
      'x-api-key': 'xapikey-secret-2',
      'x-amz-security-token': 'amzsts-secret-3',
      'set-cookie': 'sid=setcookie-secret-4',
    };
    const query =
      '?access_token=qs-secret-5&token=qs-secret-6&code=qs-secret-7&X-Amz-Signature=qs-secret-8' +
      '&X-Amz-Credential=AKIAQS%2Fsecret-9&X-Amz-Security-Token=qs-secret-10&password=qs-secret-11' +
      '&api_key=qs-secret-12&Access_Token=qs-secret-13&page=2&state=visible-state';
    await debugApp.inject({ url: `/missing${query}`, headers: { ...secrets, 'x-request-id': 'redact-2' } });
    const line = lines.find((l) => l.msg === 'request' && l.requestId === 'redact-2') as {
      request: { url: string; headers: Record<string, string> };
    };
    for (const name of Object.keys(secrets)) expect(line.request.headers[name]).toBe('[redacted]');
    expect(line.request.url).toMatch(/^\/missing\?access_token=\[redacted\]&token=\[redacted\]/);
    expect(line.request.url).toContain('page=2&state=visible-state');
    const all = JSON.stringify(lines);
    for (const leaked of [/secret-\d+/, /cHJveHktc2VjcmV0/, /AKIAQS/]) expect(all).not.toMatch(leaked);
  });

  it('logs the client IP one proxy hop back, not what the client wrote into X-Forwarded-For', async () => {
    await app.inject({
      url: '/missing',
      remoteAddress: '10.0.3.7',
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9', 'x-request-id': 'ip-1' },
    });
    const line = lines.find((l) => l.msg === 'request' && l.requestId === 'ip-1') as {
      request: { remoteAddress: string };
    };
    expect(line.request.remoteAddress).toBe('203.0.113.9');
    // A client connecting directly (a public address) is not a proxy: its own header is ignored.
    await app.inject({
      url: '/missing',
      remoteAddress: '198.51.100.4',
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-request-id': 'ip-2' },
    });
    const direct = lines.find((l) => l.msg === 'request' && l.requestId === 'ip-2') as {
      request: { remoteAddress: string };
    };
    expect(direct.request.remoteAddress).toBe('198.51.100.4');
  });

  it('proxyHops is validated, and 0 trusts no header', async () => {
    expect(() => fastifyOptions(runtime, { proxyHops: -1 })).toThrow(
      /proxyHops is -1; expected an integer from 0 to 10/,
    );
    const direct = Fastify(fastifyOptions(runtime, { proxyHops: 0 }));
    direct.get('/ip', async (req) => ({ ip: req.ip }));
    const res = await direct.inject({
      url: '/ip',
      remoteAddress: '10.0.3.7',
      headers: { 'x-forwarded-for': '6.6.6.6' },
    });
    expect(res.json()).toEqual({ ip: '10.0.3.7' });
    await direct.close();
  });

  it('log lines carry service and stage', () => {
    expect(lines[0]).toMatchObject({ service: 'api', stage: 'dev' });
  });
});

describe('readiness with a database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('→ 200 when the database answers', async () => {
    const { app, runtime } = await build(contractEnv({ DATABASE_SECRET: JSON.stringify(database.secret) }));
    expect((await app.inject('/ready')).statusCode).toBe(200);
    await app.close();
    await runtime.close();
  });

  it('→ 503 { status: unavailable } when the database is unreachable, liveness still 200', async () => {
    const port = await freePort();
    const { app, runtime } = await build(
      contractEnv({ DATABASE_SECRET: JSON.stringify({ ...database.secret, port }) }),
    );
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable' });
    expect((await app.inject('/health')).statusCode).toBe(200);
    await app.close();
    await runtime.close();
  });

  it('runtime.db throws a clear error when the service has no database', async () => {
    const runtime = createRuntime({ env: contractEnv() });
    expect(() => runtime.db).toThrow(
      /A database is not configured for service 'api' \(DATABASE_SECRET is not set\)/,
    );
    expect(() => runtime.storage('resumes')).toThrow(/Bucket 'resumes' is not configured.*BUCKET_RESUMES/);
    expect(() => runtime.mail).toThrow(/MAIL_FROM/);
  });
});

describe('data exceptions from PostgreSQL (SQLSTATE class 22) are the client’s 400, not a 500', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let runtime: Runtime;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app, runtime } = await build(
      contractEnv({ DATABASE_SECRET: JSON.stringify(database.secret) }),
      lines,
    ));
  });
  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await database?.drop();
  });

  // Each value is one the real server refuses with the given SQLSTATE.
  it.each([
    ['uuid', 'urn:uuid:6f1c1bd3-6b2e-4c8a-9d2e-0a4b5c6d7e8f', '22P02'],
    ['text', 'nul\u0000byte', '22021'],
    ['timestamptz', '0000-01-01T00:00:00Z', '22008'],
    ['timestamptz', '2026-13-01T00:00:00Z', '22008'],
    ['timestamptz', 'next tuesday-ish', '22007'],
    ['int4', '99999999999', '22003'],
    ['date', '2026-02-30', '22008'],
  ])('%s ← %j → 400 INVALID_INPUT (%s), logged at warn without a stack', async (type, value, sqlstate) => {
    const requestId = `data-${sqlstate}-${type.length}-${value.length}`;
    const res = await app.inject({
      method: 'POST',
      url: '/cast',
      payload: { type, value },
      headers: { 'x-request-id': requestId },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_INPUT', details: { sqlstate } });
    const logged = lines.filter((l) => l.requestId === requestId);
    expect(logged.some((l) => l.level === 'error')).toBe(false);
    const warned = logged.find((l) => l.msg === 'request rejected: the database refused a value');
    expect(warned).toMatchObject({ level: 'warn', sqlstate });
    expect(JSON.stringify(logged)).not.toContain('"stack"');
  });

  it('a database error of another class (undefined table, 42P01) is still a 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/cast',
      payload: { type: 'no_such_type', value: 'x' },
    });
    expect(res.statusCode).toBe(500);
  });
});
