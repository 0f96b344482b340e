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
beforeAll(async () => {
  t = await startTalent();
  const opportunity = await createOpportunity(t);
  const drafted = await apply(t, 'owner', opportunity);
  const submitted = await apply(t, 'other', await createOpportunity(t));
  await uploadResume(t, 'other', submitted);
  await submit(t, 'other', submitted);
  known = [opportunity, drafted, submitted];
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

const id = () =>
  fc.oneof(
    fc.constantFrom(...known),
    fc.uuid(),
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
