import { randomUUID } from 'node:crypto';
import { createAuthenticator } from '../src/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  createOpportunity,
  DOCX,
  PDF,
  ROLES,
  setStatus,
  startTalent,
  submit,
  uploadResume,
  USERS,
  type Role,
  type Talent,
} from './harness';

let t: Talent;
beforeAll(async () => {
  t = await startTalent();
});
afterAll(async () => {
  await t?.close();
});

/** Each row builds the state it needs (owned by the `owner` applicant), then one request as `role`. */
interface Row {
  readonly name: string;
  readonly expect: Record<Role, number>;
  request(role: Role): Promise<{ statusCode: number; body: string }>;
}

const inject = (role: Role, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: t.auth(role), ...(payload ? { payload } : {}) });

async function draft(): Promise<string> {
  return apply(t, 'owner', await createOpportunity(t));
}
async function submitted(): Promise<string> {
  const id = await draft();
  await uploadResume(t, 'owner', id);
  await submit(t, 'owner', id);
  return id;
}

const ROWS: readonly Row[] = [
  {
    name: 'GET /health',
    expect: { anonymous: 200, owner: 200, other: 200, reviewer: 200 },
    request: (r) => inject(r, 'GET', '/health'),
  },
  {
    name: 'GET /ready',
    expect: { anonymous: 200, owner: 200, other: 200, reviewer: 200 },
    request: (r) => inject(r, 'GET', '/ready'),
  },
  {
    name: 'POST /opportunities',
    expect: { anonymous: 401, owner: 403, other: 403, reviewer: 201 },
    request: (r) => inject(r, 'POST', '/opportunities', { title: 'T', description: 'D' }),
  },
  {
    name: 'GET /opportunities',
    expect: { anonymous: 200, owner: 200, other: 200, reviewer: 200 },
    request: (r) => inject(r, 'GET', '/opportunities'),
  },
  {
    name: 'GET /opportunities/:id',
    expect: { anonymous: 200, owner: 200, other: 200, reviewer: 200 },
    request: async (r) => inject(r, 'GET', `/opportunities/${await createOpportunity(t)}`),
  },
  {
    name: 'POST /applications',
    expect: { anonymous: 401, owner: 201, other: 201, reviewer: 201 },
    request: async (r) => inject(r, 'POST', '/applications', { opportunityId: await createOpportunity(t) }),
  },
  {
    name: 'POST /applications/:id/resume-upload',
    expect: { anonymous: 401, owner: 200, other: 403, reviewer: 403 },
    request: async (r) =>
      inject(r, 'POST', `/applications/${await draft()}/resume-upload`, { contentType: DOCX, size: 1000 }),
  },
  {
    name: 'POST /applications/:id/submit',
    expect: { anonymous: 401, owner: 200, other: 403, reviewer: 403 },
    request: async (r) => {
      const id = await draft();
      await uploadResume(t, 'owner', id);
      return inject(r, 'POST', `/applications/${id}/submit`);
    },
  },
  {
    name: 'POST /applications/:id/status',
    expect: { anonymous: 401, owner: 403, other: 403, reviewer: 200 },
    request: async (r) =>
      inject(r, 'POST', `/applications/${await submitted()}/status`, { status: 'in_review' }),
  },
  {
    name: 'GET /applications/:id',
    expect: { anonymous: 401, owner: 200, other: 403, reviewer: 200 },
    request: async (r) => inject(r, 'GET', `/applications/${await draft()}`),
  },
  {
    name: 'GET /applications/:id/resume-url',
    expect: { anonymous: 401, owner: 200, other: 403, reviewer: 200 },
    request: async (r) => inject(r, 'GET', `/applications/${await submitted()}/resume-url`),
  },
];

describe('permission matrix', () => {
  for (const row of ROWS) {
    it.each(ROLES)(`${row.name} as %s`, async (role) => {
      const res = await row.request(role);
      expect(res.statusCode, res.body).toBe(row.expect[role]);
    });
  }
});

describe('bearer tokens', () => {
  const cases: [string, () => Promise<string>][] = [
    ['no scheme', async () => t.tokens.owner],
    ['Basic scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['garbage', async () => 'Bearer not-a-jwt'],
    ['three garbage segments', async () => 'Bearer aaa.bbb.ccc'],
    [
      'expired',
      async () =>
        `Bearer ${await t.identity.token(USERS.owner, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    [
      'wrong audience',
      async () => `Bearer ${await t.identity.token(USERS.owner, { audience: 'someone-else' })}`,
    ],
    [
      'wrong issuer',
      async () => `Bearer ${await t.identity.token(USERS.owner, { issuer: 'https://evil.example.com/' })}`,
    ],
    [
      'signed by a key the JWKS does not hold',
      async () => `Bearer ${await t.identity.token(USERS.owner, { rogue: true })}`,
    ],
    [
      'valid for a century (the runtime caps lifetime at 24 h)',
      async () => `Bearer ${await t.identity.token(USERS.owner, { expiresIn: '100y' })}`,
    ],
    [
      'with a NUL in sub',
      async () => `Bearer ${await t.identity.token({ ...USERS.owner, sub: 'auth0|a\u0000b' })}`,
    ],
    [
      'without an email claim',
      async () => `Bearer ${await t.identity.token(USERS.owner, { claims: { email: undefined } })}`,
    ],
  ];
  it.each(cases)('%s → 401', async (_name, header) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/applications',
      headers: { authorization: await header() },
      payload: { opportunityId: randomUUID() },
    });
    expect(res.statusCode, res.body).toBe(401);
  });

  it.each([
    ['admin', 'reviewers'],
    ['Reviewer'],
    ['reviewer '],
    'reviewer',
    { reviewer: true },
    [['reviewer']],
    null,
  ])('a roles claim of %j does not grant review rights', async (roles) => {
    const token = await t.identity.token(USERS.other, { claims: { roles } });
    const res = await t.app.inject({
      method: 'POST',
      url: '/opportunities',
      headers: { authorization: `Bearer ${token}` },
      payload: { title: 'T', description: 'D' },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('status transitions', () => {
  it('only submitted → in_review → accepted | rejected', async () => {
    const drafted = await draft();
    const move = (id: string, status: string) =>
      inject('reviewer', 'POST', `/applications/${id}/status`, { status });
    // A draft cannot be reviewed, nor jump anywhere.
    for (const status of ['in_review', 'accepted', 'rejected', 'submitted', 'draft'])
      expect((await move(drafted, status)).statusCode).toBe(409);

    const id = await submitted();
    for (const status of ['accepted', 'rejected', 'submitted', 'draft'])
      expect((await move(id, status)).statusCode).toBe(409);
    expect((await move(id, 'in_review')).statusCode).toBe(200);
    for (const status of ['in_review', 'submitted', 'draft'])
      expect((await move(id, status)).statusCode).toBe(409);
    expect((await move(id, 'rejected')).statusCode).toBe(200);
    for (const status of ['accepted', 'rejected', 'in_review', 'submitted', 'draft'])
      expect((await move(id, status)).statusCode).toBe(409);

    const decided = await submitted();
    await setStatus(t, decided, 'in_review');
    await setStatus(t, decided, 'accepted');
    expect((await move(decided, 'rejected')).statusCode).toBe(409);
    expect((await move(randomUUID(), 'in_review')).statusCode).toBe(404);
    expect((await move(id, 'hired')).statusCode).toBe(400);
  });
});

describe('conflicts and not-founds', () => {
  it('applying twice is a 409; to an unknown opportunity a 404; to a closed one a 409', async () => {
    const opportunityId = await createOpportunity(t);
    await apply(t, 'owner', opportunityId);
    expect((await inject('owner', 'POST', '/applications', { opportunityId })).statusCode).toBe(409);
    expect((await inject('other', 'POST', '/applications', { opportunityId })).statusCode).toBe(201);
    expect((await inject('owner', 'POST', '/applications', { opportunityId: randomUUID() })).statusCode).toBe(
      404,
    );
    const closed = await createOpportunity(t, { closesAt: new Date(Date.now() - 1000).toISOString() });
    expect((await inject('owner', 'POST', '/applications', { opportunityId: closed })).statusCode).toBe(409);
  });

  it('submitting without an uploaded résumé is a 409, even with a presigned key', async () => {
    const id = await draft();
    expect((await inject('owner', 'POST', `/applications/${id}/submit`)).statusCode).toBe(409);
    expect(
      (await inject('owner', 'POST', `/applications/${id}/resume-upload`, { contentType: PDF, size: 10 }))
        .statusCode,
    ).toBe(200);
    expect((await inject('owner', 'POST', `/applications/${id}/submit`)).statusCode).toBe(409);
    expect((await inject('owner', 'GET', `/applications/${id}/resume-url`)).statusCode).toBe(404);
  });

  it('a submitted application cannot be submitted again nor get a new upload', async () => {
    const id = await submitted();
    expect((await inject('owner', 'POST', `/applications/${id}/submit`)).statusCode).toBe(409);
    expect(
      (await inject('owner', 'POST', `/applications/${id}/resume-upload`, { contentType: PDF, size: 10 }))
        .statusCode,
    ).toBe(409);
  });

  it('unknown ids are 404 and malformed ids 400, on every route', async () => {
    const missing = randomUUID();
    expect((await inject('anonymous', 'GET', `/opportunities/${missing}`)).statusCode).toBe(404);
    expect((await inject('reviewer', 'GET', `/applications/${missing}`)).statusCode).toBe(404);
    expect((await inject('owner', 'GET', `/applications/${missing}/resume-url`)).statusCode).toBe(404);
    expect((await inject('owner', 'POST', `/applications/${missing}/submit`)).statusCode).toBe(404);
    expect(
      (
        await inject('owner', 'POST', `/applications/${missing}/resume-upload`, {
          contentType: PDF,
          size: 10,
        })
      ).statusCode,
    ).toBe(404);
    for (const bad of ['abc', '1', `${missing}x`, '..%2F..%2Fetc', "'%20or%201=1"]) {
      expect((await inject('anonymous', 'GET', `/opportunities/${bad}`)).statusCode).toBe(400);
      expect((await inject('reviewer', 'GET', `/applications/${bad}`)).statusCode).toBe(400);
      expect(
        (await inject('reviewer', 'POST', `/applications/${bad}/status`, { status: 'in_review' })).statusCode,
      ).toBe(400);
    }
  });
});

describe('bad bodies → 400 naming the failing fields', () => {
  const cases: [string, string, Role, object | string][] = [
    ['opportunity without title and description', '/opportunities', 'reviewer', {}],
    ['opportunity with an empty title', '/opportunities', 'reviewer', { title: '', description: 'D' }],
    [
      'opportunity with a non-date closesAt',
      '/opportunities',
      'reviewer',
      { title: 'T', description: 'D', closesAt: 'tomorrow' },
    ],
    ['application with a non-uuid opportunityId', '/applications', 'owner', { opportunityId: 'x' }],
    ['application as a JSON array', '/applications', 'owner', []],
  ];
  it.each(cases)('%s', async (_name, url, role, payload) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: t.auth(role),
      payload: payload as object,
    });
    expect(res.statusCode, res.body).toBe(400);
  });

  it('lists every failing field', async () => {
    const res = await inject('reviewer', 'POST', '/opportunities', {});
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('title');
    expect(res.body).toContain('description');
  });

  it('résumé uploads: PDF or DOCX only, 1 byte to 5 MB', async () => {
    const id = await draft();
    const upload = (payload: object) => inject('owner', 'POST', `/applications/${id}/resume-upload`, payload);
    expect((await upload({ contentType: 'image/png', size: 100 })).statusCode).toBe(400);
    expect((await upload({ contentType: 'application/pdf; charset=binary', size: 100 })).statusCode).toBe(
      400,
    );
    expect((await upload({ contentType: PDF, size: 5 * 1024 * 1024 + 1 })).statusCode).toBe(400);
    expect((await upload({ contentType: PDF, size: 0 })).statusCode).toBe(400);
    expect((await upload({ contentType: PDF, size: 1.5 })).statusCode).toBe(400);
    expect((await upload({ contentType: PDF })).statusCode).toBe(400);
    expect((await upload({ contentType: PDF, size: 5 * 1024 * 1024 })).statusCode).toBe(200);
    expect((await upload({ contentType: DOCX, size: 1 })).statusCode).toBe(200);
  });
});

describe('the opportunity list cache', () => {
  it('serves the cached list until an opportunity is created through the API', async () => {
    const first = await inject('anonymous', 'GET', '/opportunities');
    expect(first.statusCode).toBe(200);
    // Written behind the API's back: the cached list cannot know about it.
    const { rows } = await t.runtime.db.query<{ id: string }>(
      `insert into opportunities (title, description, created_by) values ('Sneaky', 'inserted by SQL', 'test') returning id`,
    );
    const sneaky = rows[0]!.id;
    const cached = await inject('anonymous', 'GET', '/opportunities');
    expect(cached.json<{ id: string }[]>().map((o) => o.id)).not.toContain(sneaky);
    expect(cached.body).toBe(first.body);
    expect(await t.runtime.cache.get(`${t.cacheNamespace}opportunities:list`)).toBeDefined();

    const created = await createOpportunity(t, { title: 'Fresh' });
    const fresh = await inject('anonymous', 'GET', '/opportunities');
    const ids = fresh.json<{ id: string }[]>().map((o) => o.id);
    expect(ids).toContain(sneaky);
    expect(ids[0]).toBe(created);
  });
});

describe('a cached opportunity list of the wrong shape', () => {
  it.each([
    ['an object instead of a list', { poisoned: true }],
    ['items missing fields', [{ id: 'x', title: 7 }]],
    ['a list of strings', ['<script>']],
  ])('%s, written behind the API, is a miss: 200 from the database, then cached again', async (_, bad) => {
    const key = `${t.cacheNamespace}opportunities:list`;
    const id = await createOpportunity(t, { title: 'From the database' });
    await t.runtime.cache.set(key, bad, 60);
    const answer = await inject('anonymous', 'GET', '/opportunities');
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json<{ id: string }[]>().map((o) => o.id)).toContain(id);
    // The bad value is gone and the good list replaced it.
    expect(await t.runtime.cache.get(key)).toEqual(answer.json());
  });
});

describe('an unreachable identity provider', () => {
  it('is a 503 (AUTH_UNAVAILABLE), never a 401 that would log users out nor a 500', async () => {
    const authenticate = createAuthenticator(
      {
        issuer: t.identity.issuer,
        audience: t.identity.audience,
        jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
      },
      t.runtime.log,
    );
    await expect(authenticate(`Bearer ${t.tokens.owner}`)).rejects.toMatchObject({
      statusCode: 503,
      code: 'AUTH_UNAVAILABLE',
    });
    await expect(authenticate('Bearer x.y.z')).rejects.toMatchObject({ statusCode: 401 });
  });
});
