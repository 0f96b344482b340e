import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  createOpportunity,
  PDF,
  pdfBytes,
  startTalent,
  uploadWith,
  USERS,
  type Talent,
} from './harness';

describe('the applicant journey', () => {
  let t: Talent;
  beforeAll(async () => {
    t = await startTalent();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('create opportunity → apply → upload → submit → in_review → accepted, with every email', async () => {
    // GIVEN a reviewer publishes an opportunity
    const created = await t.app.inject({
      method: 'POST',
      url: '/opportunities',
      headers: t.auth('reviewer'),
      payload: {
        title: 'Climate data fellow',
        description: 'One year, remote.',
        closesAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(created.statusCode).toBe(201);
    const opportunity = created.json<{ id: string; title: string; closesAt: string }>();
    expect(opportunity).toMatchObject({ title: 'Climate data fellow' });

    const listed = await t.app.inject({ method: 'GET', url: '/opportunities' });
    expect(listed.json<{ id: string }[]>().map((o) => o.id)).toContain(opportunity.id);
    const one = await t.app.inject({ method: 'GET', url: `/opportunities/${opportunity.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(opportunity);

    // WHEN an applicant applies
    const applied = await t.app.inject({
      method: 'POST',
      url: '/applications',
      headers: t.auth('owner'),
      payload: { opportunityId: opportunity.id },
    });
    expect(applied.statusCode).toBe(201);
    const application = applied.json<{ id: string; status: string }>();
    expect(application.status).toBe('draft');

    // … asks where to upload the résumé and really uploads the bytes to S3 (s3rver)
    const bytes = pdfBytes(40_000);
    const presigned = await t.app.inject({
      method: 'POST',
      url: `/applications/${application.id}/resume-upload`,
      headers: t.auth('owner'),
      payload: { contentType: PDF, size: bytes.byteLength },
    });
    expect(presigned.statusCode).toBe(200);
    const upload = presigned.json<{
      url: string;
      method: 'PUT' | 'POST';
      headers: Record<string, string>;
      key: string;
      expiresAt: string;
    }>();
    expect(upload.key).toMatch(new RegExp(`^resumes/${application.id}/[0-9a-f-]{36}\\.pdf$`));
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    const put = await uploadWith(upload, bytes, PDF);
    expect(put.ok).toBe(true);

    // … and submits
    const submitted = await t.app.inject({
      method: 'POST',
      url: `/applications/${application.id}/submit`,
      headers: t.auth('owner'),
    });
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json()).toMatchObject({ status: 'submitted' });

    // THEN a reviewer reads the résumé through a presigned GET and decides
    const resumeUrl = await t.app.inject({
      method: 'GET',
      url: `/applications/${application.id}/resume-url`,
      headers: t.auth('reviewer'),
    });
    expect(resumeUrl.statusCode).toBe(200);
    const download = await fetch(resumeUrl.json<{ url: string }>().url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

    for (const status of ['in_review', 'accepted']) {
      const moved = await t.app.inject({
        method: 'POST',
        url: `/applications/${application.id}/status`,
        headers: t.auth('reviewer'),
        payload: { status },
      });
      expect(moved.statusCode).toBe(200);
      expect(moved.json()).toMatchObject({ id: application.id, status });
    }
    const final = await t.app.inject({
      method: 'GET',
      url: `/applications/${application.id}`,
      headers: t.auth('owner'),
    });
    expect(final.json()).toMatchObject({
      id: application.id,
      opportunityId: opportunity.id,
      status: 'accepted',
      applicantEmail: USERS.owner.email,
    });

    // AND the applicant received one email per step, seen by the local SES peer
    const mails = (await t.ses.messages()).filter((m) => m.to.includes(USERS.owner.email));
    expect(mails.map((m) => m.subject)).toEqual([
      'We received your application: Climate data fellow',
      'Your application is in review: Climate data fellow',
      'Your application was accepted: Climate data fellow',
    ]);
    expect(mails[0]!.text).toContain(application.id);
  });

  it('after submit, re-using the presigned POST cannot change the résumé reviewers download', async () => {
    const applicationId = await apply(t, 'owner', await createOpportunity(t));
    const original = pdfBytes(3000);
    original.set(new TextEncoder().encode('the original résumé'), 100);
    const presigned = await t.app.inject({
      method: 'POST',
      url: `/applications/${applicationId}/resume-upload`,
      headers: t.auth('owner'),
      payload: { contentType: PDF, size: original.byteLength },
    });
    const upload = presigned.json<{
      url: string;
      method: string;
      headers: Record<string, string>;
      fields?: Record<string, string>;
      key: string;
    }>();
    expect((await uploadWith(upload, original, PDF)).ok).toBe(true);
    const submitted = await t.app.inject({
      method: 'POST',
      url: `/applications/${applicationId}/submit`,
      headers: t.auth('owner'),
    });
    expect(submitted.statusCode, submitted.body).toBe(200);

    // WHEN the same presigned POST (still within its 5 minutes) uploads other bytes
    const replacement = pdfBytes(3000);
    replacement.set(new TextEncoder().encode('a replacement résumé'), 100);
    expect((await uploadWith(upload, replacement, PDF)).ok).toBe(true);

    // THEN the reviewer still downloads the bytes the application was submitted with
    const url = await t.app.inject({
      method: 'GET',
      url: `/applications/${applicationId}/resume-url`,
      headers: t.auth('reviewer'),
    });
    expect(url.statusCode).toBe(200);
    const download = await fetch(url.json<{ url: string }>().url);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(original);
    // … from a key no presigned upload names, in the application's submitted folder
    const { rows } = await t.runtime.db.query<{ resume_key: string }>(
      'select resume_key from applications where id = $1',
      [applicationId],
    );
    expect(rows[0]!.resume_key).toBe(upload.key.replace(/\/([^/]+)$/, '/submitted/$1'));
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(page.statusCode);
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/opportunities',
        '/opportunities/{id}',
        '/applications',
        '/applications/{id}',
        '/applications/{id}/resume-upload',
        '/applications/{id}/submit',
        '/applications/{id}/status',
        '/applications/{id}/resume-url',
      ]),
    );
  });
});
