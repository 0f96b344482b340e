import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createOpportunity, startTalent, submit, uploadResume, type Talent } from './harness';

/**
 * No input a client can send makes a route answer 500: random ids, bodies, content types and headers, against
 * every route, authorized and not. A 5xx here is a bug (503 included: every peer is up).
 */
let t: Talent;
let known: string[];
/** Signed by the real identity provider, but with claims the database would refuse (NUL, overlong). */
let oddTokens: string[];
beforeAll(async () => {
  t = await startTalent();
  const opportunity = await createOpportunity(t);
  const drafted = await apply(t, 'owner', opportunity);
  const submitted = await apply(t, 'other', await createOpportunity(t));
  await uploadResume(t, 'other', submitted);
  await submit(t, 'other', submitted);
  known = [opportunity, drafted, submitted];
  oddTokens = await Promise.all([
    t.identity.token({ sub: 'auth0|nul', email: 'nul\u0000@example.com' }),
    t.identity.token({ sub: 'auth0|nul\u0000sub', email: 'nulsub@example.com' }),
    t.identity.token({ sub: 'x'.repeat(5000), email: 'long@example.com' }),
    t.identity.token({ sub: 'auth0|long-mail', email: `${'a'.repeat(64)}@${'b'.repeat(250)}.com` }),
  ]);
});
afterAll(async () => {
  await t?.close();
});

const ROUTES = [
  ['GET', '/health'],
  ['GET', '/ready'],
  ['POST', '/opportunities'],
  ['GET', '/opportunities'],
  ['GET', '/opportunities/:id'],
  ['POST', '/applications'],
  ['GET', '/applications/:id'],
  ['POST', '/applications/:id/resume-upload'],
  ['POST', '/applications/:id/submit'],
  ['POST', '/applications/:id/status'],
  ['GET', '/applications/:id/resume-url'],
  ['GET', '/docs/json'],
] as const;

const FIELDS = [
  'title',
  'description',
  'closesAt',
  'opportunityId',
  'contentType',
  'size',
  'status',
  '__proto__',
  'constructor',
];
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const b64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 60,
});

/** The spellings of a real id that the `uuid` format or PostgreSQL accept but the canonical form does not. */
const spellings = (uuid: string) => [
  `urn:uuid:${uuid}`,
  `URN:UUID:${uuid}`,
  `{${uuid}}`,
  encodeURIComponent(`{${uuid}}`),
  uuid.toUpperCase(),
  uuid.replace(/-/g, ''),
  `${uuid}%00`,
  `${uuid.slice(0, 8)}%00${uuid.slice(8)}`,
  ` ${uuid}`.replace(' ', '%20'),
  `${uuid}${'0'.repeat(4000)}`,
];

const id = () =>
  fc.oneof(
    fc.constantFrom(...known),
    fc.constantFrom(...known).chain((k) => fc.constantFrom(...spellings(k))),
    fc.uuid().chain((u) => fc.constantFrom(u, ...spellings(u))),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
    fc.constantFrom(
      '..',
      '%2e%2e',
      '%00',
      '%ff',
      '0'.repeat(300),
      'null',
      '-1',
      '00000000-0000-0000-0000-000000000000',
    ),
  );

const authorization = () =>
  fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('owner', 'other', 'reviewer').map((role) => `Bearer ${t.tokens[role as 'owner']}`),
    printable,
    printable.map((s) => `Bearer ${s}`),
    fc.tuple(b64url, b64url, b64url).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
    fc
      .constantFrom('owner', 'reviewer')
      .map((role) => `Bearer ${t.tokens[role as 'owner'].slice(0, -4)}AAAA`),
    fc.constantFrom(0, 1, 2, 3).map((i) => `Bearer ${oddTokens[i]}`),
  );

/** Strings PostgreSQL refuses or that stretch a column: NULs, lone surrogates, control bytes, very long. */
const oddString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff x', '\u0001\u001f\u007f', '\r\nBcc: x@evil.org'),
  fc.integer({ min: 201, max: 30_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Date-times the `date-time` format may accept but PostgreSQL refuses or moves: years 0 and 10000+, leap seconds. */
const oddDate = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999Z',
    '10000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2026-12-31T23:59:60Z',
    '2026-06-30T23:59:60+00:00',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+23:59',
    '2026-01-01T00:00:00-15:59',
    '2026-01-01t00:00:00z',
    '2026-01-01T00:00:00.1234567890123Z',
    '2026-01-01 00:00:00Z',
    'infinity',
    '-infinity',
    'epoch',
    'now',
  ),
  fc
    .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
    .map((d) => d.toISOString()),
);

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    'application/pdf',
    'in_review',
    'accepted',
    'submitted',
    'draft',
    5 * 1024 * 1024,
    0,
    -1,
    1e308,
    '2026-01-01T00:00:00Z',
  ),
  fc.uuid(),
  fc.uuid().chain((u) => fc.constantFrom(...spellings(u))),
  oddString,
  oddDate,
);

const body = () =>
  fc.oneof(
    fc.constant(undefined),
    fc
      .dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 })
      .map((o) => ({ type: 'application/json', payload: JSON.stringify(o) })),
    fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => ({ type: 'application/json', payload: JSON.stringify(v) ?? 'null' })),
    fc
      .tuple(
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'application/json; charset=utf-16',
          'application/xml',
          '',
        ),
        fc.string({ maxLength: 200 }),
      )
      .map(([type, payload]) => ({ type, payload })),
  );

const headers = fc.dictionary(
  fc.constantFrom(
    'accept',
    'accept-encoding',
    'x-request-id',
    'x-forwarded-for',
    'if-none-match',
    'x-amz-date',
  ),
  printable,
  { maxKeys: 3 },
);

describe('no route answers 5xx to client input', () => {
  it('random ids, bodies, headers and tokens on every route', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        fc.boolean(),
        id(),
        authorization(),
        body(),
        headers,
        async ([routeMethod, path], otherMethod, useOtherMethod, routeId, auth, sent, extra) => {
          const options: InjectOptions = {
            method: useOtherMethod ? (otherMethod as InjectOptions['method']) : routeMethod,
            url: path.replace(':id', routeId),
            headers: {
              ...extra,
              ...(auth === undefined ? {} : { authorization: auth }),
              ...(sent ? { 'content-type': sent.type } : {}),
            },
            ...(sent ? { payload: sent.payload } : {}),
          };
          const res = await t.app.inject(options);
          seen.add(res.statusCode);
          if (res.statusCode >= 500)
            throw new Error(
              `${options.method} ${options.url} → ${res.statusCode} ${res.body}\n${JSON.stringify(options)}`,
            );
          expect(res.statusCode).toBeGreaterThanOrEqual(200);
        },
      ),
      { numRuns: 600 },
    );
    // The inputs reached past authentication and validation, not only the first gate.
    for (const status of [200, 400, 401, 403, 404])
      expect(seen, `saw ${[...seen].sort().join(', ')}`).toContain(status);
  });
});

describe('inputs that reached PostgreSQL and came back as 500s are refused at the edge', () => {
  it.each([
    ['GET', (k: string) => `/opportunities/urn:uuid:${k}`],
    ['GET', (k: string) => `/opportunities/${encodeURIComponent(`{${k}}`)}`],
    ['GET', (k: string) => `/opportunities/${k.toUpperCase()}`],
    ['GET', (k: string) => `/opportunities/${k}%00`],
  ])('%s %s → 400 VALIDATION_FAILED naming params.id', async (method, url) => {
    const res = await t.app.inject({ method: method as 'GET', url: url(known[0]!) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'params.id' })],
    });
  });

  it.each([
    [{ title: 'a\u0000b', description: 'd' }, 'body.title'],
    [{ title: 'Data\r\nBcc: victim@evil.org', description: 'd' }, 'body.title'],
    [{ title: 't', description: 'nul \u0000 here' }, 'body.description'],
    [{ title: 't', description: 'd', closesAt: '0000-01-01T00:00:00Z' }, 'body.closesAt'],
    [{ title: 't', description: 'd', closesAt: '2026-12-31T23:59:60Z' }, 'body.closesAt'],
    [{ title: 't', description: 'd', closesAt: '2026-01-01T00:00:00+23:59' }, 'body.closesAt'],
  ])('POST /opportunities %j → 400 naming %s', async (payload, field) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/opportunities',
      headers: t.auth('reviewer'),
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('a signed token whose email holds a NUL → 401, not a 500 when the application is stored', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/applications',
      headers: { authorization: `Bearer ${oddTokens[0]}` },
      payload: { opportunityId: known[0] },
    });
    expect(res.statusCode).toBe(401);
  });
});
