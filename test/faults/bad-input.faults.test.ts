import fc from 'fast-check';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, type LoadRequest } from '../../bench/harness/load';
import { table } from '../../bench/harness/stats';
import { report, startScenario, summarize, type Scenario } from './scenario';

// Random bodies, headers and ids (fast-check arbitraries) at every talent route, over real sockets at volume.
// Every peer is up, so any 5xx is a bug, and so is a dropped connection.
const RATE = 150;
const DURATION_MS = 30_000;
const BODY_LIMIT = 256 * 1024;

const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/health'],
  ['GET', '/ready'],
  ['GET', '/docs/json'],
  ['POST', '/opportunities'],
  ['GET', '/opportunities'],
  ['GET', '/opportunities/:id'],
  ['POST', '/applications'],
  ['GET', '/applications/:id'],
  ['POST', '/applications/:id/resume-upload'],
  ['POST', '/applications/:id/submit'],
  ['POST', '/applications/:id/status'],
  ['GET', '/applications/:id/resume-url'],
];

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
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

describe('fault: bad input at volume', () => {
  let world: Scenario;
  let tokens: Record<string, string>;
  let known: string[];

  beforeAll(async () => {
    world = await startScenario({ storageAndMail: true });
    const { identity } = world;
    const other = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ email: 'x@example.com', roles: ['reviewer'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
      .setSubject('intruder')
      .setIssuer(identity.env.AUTH_ISSUER)
      .setAudience(identity.env.AUTH_AUDIENCE)
      .setExpirationTime('1h')
      .sign(other.privateKey);
    tokens = {
      owner: await identity.token('owner'),
      other: await identity.token('other'),
      reviewer: await identity.token('reviewer', { reviewer: true }),
      expired: await identity.token('late', { expiresIn: '-2h' }),
      noEmail: await identity.token('no-email', { email: '' }),
      longSub: await identity.token('s'.repeat(300)),
      foreignKey: foreign,
    };
    // Real rows, so some random requests reach the handlers' deeper branches.
    const apply = async (who: string, opportunityId: string) => {
      const res = await fetch(`${world.talent.url}/applications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ opportunityId }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    known = [
      world.opportunityIds[0]!,
      await apply('owner', world.opportunityIds[0]!),
      await apply('other', world.opportunityIds[1]!),
    ];
  });
  afterAll(async () => {
    await world?.close();
  });

  it('GIVEN random requests to every route for 30 s THEN zero 5xx and no dropped connection', async () => {
    const id = fc.oneof(
      fc.constantFrom(...known),
      fc.uuid(),
      printable(40).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2e%2e%2f', 'null', '0', '-1', '%00', 'a'.repeat(5000)),
    );
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(...Object.values(tokens)).map((t) => `Bearer ${t}`),
      fc.constantFrom(...Object.values(tokens)),
      printable(200),
      printable(200).map((t) => `Bearer ${t}`),
      fc.constant('Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
    );
    const contentType = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      ),
      printable(60),
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.uuid(),
      fc.constantFrom(...known),
      printable(30),
      fc.integer(),
    );
    const huge = 'x'.repeat(BODY_LIMIT + 10);
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 5 }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      printable(300),
      fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n)),
      fc.jsonValue().map((v) => JSON.stringify({ v }).slice(0, -1)),
      fc.constant(`{"title":"${huge}"}`),
      fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    );
    const requestArb = fc
      .record({
        route: fc.constantFrom(...ROUTES),
        otherMethod: fc.option(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'GET'), {
          freq: 6,
        }),
        id,
        authorization,
        contentType,
        body,
        requestId: fc.option(printable(300)),
        query: fc.option(printable(50).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`)),
      })
      .map(({ route, otherMethod, id, authorization, contentType, body, requestId, query }): LoadRequest => {
        const [method, template] = route;
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.authorization = authorization;
        if (contentType !== undefined) headers['content-type'] = contentType;
        if (requestId !== null) headers['x-request-id'] = requestId;
        const m = otherMethod ?? method;
        return {
          kind: `${method} ${template}`,
          method: m,
          path: template.replace(':id', id) + (query ?? ''),
          headers,
          ...(body === undefined || m === 'GET' || m === 'HEAD' ? {} : { body }),
        };
      });
    const requests = fc.sample(requestArb, { numRuns: 3_000, seed: 20_260_601 });

    const validUpload: LoadRequest = {
      kind: 'valid POST /applications/:id/resume-upload',
      method: 'POST',
      path: `/applications/${known[1]}/resume-upload`,
      headers: { authorization: `Bearer ${tokens.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'application/pdf', size: 1000 }),
    };
    const samples = await runLoad({
      baseUrl: world.talent.url,
      rate: RATE,
      durationMs: DURATION_MS,
      // One request in ten is a valid one that reaches S3 presigning: bad input must not hide a broken happy path.
      next: (i) => (i % 10 === 9 ? validUpload : requests[i % requests.length]!),
    });

    const byRoute = [...ROUTES.map(([m, p]) => `${m} ${p}`), validUpload.kind].map((kind) => {
      const s = summarize(samples.filter((x) => x.kind === kind));
      const statuses = Object.entries(s.statuses)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
      return [
        kind,
        String(s.sent),
        String(s.ok),
        String(s.client),
        String(s.server),
        String(s.connErrors),
        statuses,
      ];
    });
    report('bad input at volume', [['all', samples]], {
      'distinct generated requests': requests.length,
      seed: 20_260_601,
    });
    console.log(`\n${table(['route', 'sent', '2xx', '4xx', '5xx', 'conn err', 'statuses'], byRoute)}`);

    const failures = samples.filter(
      (s) => (s.status ?? 0) >= 500 || (s.error !== undefined && !s.error.startsWith('CLIENT_')),
    );
    expect(
      failures
        .slice(0, 20)
        .map(
          (s) => `${s.kind} → ${s.status ?? s.error} ${s.body ?? ''} [${s.method} ${s.path?.slice(0, 80)}]`,
        ),
    ).toEqual([]);
    expect(
      await Promise.race([world.talent.exited, new Promise((r) => setTimeout(() => r('running'), 0))]),
    ).toBe('running');
  });
});
