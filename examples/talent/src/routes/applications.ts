import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError, ForbiddenError, NotFoundError } from '@berthjs/runtime';
import type { TalentContext } from '../context';
import { REVIEW_TRANSITIONS, RESUME, type ApplicationStatus, type Principal } from '../domain';
import { statusMessage, submittedMessage } from '../messages';
import {
  application,
  bearer,
  createApplicationBody,
  idParams,
  presignedUpload,
  resumeUploadBody,
  resumeUrl,
  statusBody,
  statusResponse,
} from '../schemas';
import {
  findApplication,
  findOpportunity,
  insertApplication,
  setResumeKey,
  submitApplication,
  transition,
  type ApplicationRecord,
} from '../store';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function applicationRoutes(ctx: TalentContext) {
  const { runtime, resumes, hooks, notify } = ctx;
  const { db } = runtime;

  /** 404 for an unknown id, 403 unless the caller owns it (or, with `reviewers`, reviews). */
  async function load(request: IdRequest, who: 'owner' | 'owner or reviewer'): Promise<ApplicationRecord> {
    const principal = request.principal as Principal;
    const record = await findApplication(db.write, request.params.id);
    if (!record) throw new NotFoundError('Application not found');
    if (record.applicantSub === principal.sub) return record;
    if (who === 'owner or reviewer' && principal.reviewer) return record;
    throw new ForbiddenError(who === 'owner' ? 'Only the applicant may do this' : 'Not your application');
  }

  async function openOpportunity(id: string) {
    const found = await findOpportunity(db.write, id);
    if (!found) throw new NotFoundError('Opportunity not found');
    if (found.closesAt !== null && Date.parse(found.closesAt) <= Date.now()) {
      throw new ConflictError('Opportunity is closed', { code: 'OPPORTUNITY_CLOSED' });
    }
    return found;
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Body: { opportunityId: string } }>(
      '/applications',
      {
        onRequest: hooks.authenticated,
        schema: {
          tags: ['applications'],
          summary: 'Apply to an opportunity (creates a draft)',
          security: bearer,
          body: createApplicationBody,
          response: { 201: application },
        },
      },
      async (request, reply) => {
        const principal = request.principal as Principal;
        await openOpportunity(request.body.opportunityId);
        const created = await insertApplication(db.write, {
          opportunityId: request.body.opportunityId,
          applicantSub: principal.sub,
          applicantEmail: principal.email,
        });
        if (!created)
          throw new ConflictError('Already applied to this opportunity', { code: 'ALREADY_APPLIED' });
        runtime.metrics.count('ApplicationCreated');
        return reply.code(201).send(created);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/applications/:id',
      {
        onRequest: hooks.authenticated,
        schema: {
          tags: ['applications'],
          summary: 'One application (its applicant or a reviewer)',
          security: bearer,
          params: idParams,
          response: { 200: application },
        },
      },
      (request) => load(request, 'owner or reviewer'),
    );

    app.post<{ Params: { id: string }; Body: { contentType: string; size: number } }>(
      '/applications/:id/resume-upload',
      {
        onRequest: hooks.authenticated,
        schema: {
          tags: ['applications'],
          summary: 'A presigned upload for the résumé (PDF or DOCX, at most 5 MB)',
          security: bearer,
          params: idParams,
          body: resumeUploadBody,
          response: { 200: presignedUpload },
        },
      },
      async (request) => {
        const record = await load(request, 'owner');
        if (record.status !== 'draft')
          throw new ConflictError('Application is already submitted', { code: 'NOT_DRAFT' });
        const { contentType, size } = request.body;
        // The key is ours (application id + random name), never derived from what the client sent.
        const key = resumes.key(
          RESUME.prefix,
          record.id,
          `${randomUUID()}.${RESUME.contentTypes[contentType]}`,
        );
        // Recorded before signing, so purge-orphan-uploads never sees the object unreferenced.
        if (!(await setResumeKey(db.write, record.id, key))) {
          throw new ConflictError('Application is already submitted', { code: 'NOT_DRAFT' });
        }
        return resumes.presignUpload({
          key,
          contentType,
          maxBytes: size,
          expiresInSeconds: RESUME.uploadExpiresInSeconds,
        });
      },
    );

    app.post<{ Params: { id: string } }>(
      '/applications/:id/submit',
      {
        onRequest: hooks.authenticated,
        schema: {
          tags: ['applications'],
          summary: 'Submit the application (its résumé must be uploaded); emails a confirmation',
          security: bearer,
          params: idParams,
          response: { 200: statusResponse },
        },
      },
      async (request) => {
        const record = await load(request, 'owner');
        if (record.status !== 'draft')
          throw new ConflictError('Application is already submitted', { code: 'NOT_DRAFT' });
        const opportunity = await openOpportunity(record.opportunityId);
        const uploadKey = record.resumeKey;
        const head = uploadKey ? await resumes.head(uploadKey) : undefined;
        if (!uploadKey || !head)
          throw new ConflictError('Upload a résumé before submitting', { code: 'RESUME_MISSING' });
        if (head.size > RESUME.maxBytes)
          throw new ConflictError('The uploaded résumé is larger than 5 MB', { code: 'RESUME_TOO_LARGE' });
        // The accepted résumé is a copy under a key no presigned upload names: re-using the upload's presigned POST
        // (valid for its 5 minutes) can only rewrite the upload key, never what reviewers read. A copy works the same
        // on unversioned buckets (berth dev's s3rver, dev and staging) and versioned ones, unlike pinning a VersionId.
        const submittedKey = resumes.key(
          RESUME.prefix,
          record.id,
          RESUME.submittedFolder,
          uploadKey.slice(uploadKey.lastIndexOf('/') + 1),
        );
        // S3 copies only the bytes `head` checked (CopySourceIfMatch; 409 OBJECT_CHANGED if they were replaced in
        // between). s3rver ignores that header, so the copy's own entity tag is compared too.
        const copied = await resumes.copy({
          from: uploadKey,
          to: submittedKey,
          ...(head.etag ? { ifMatch: head.etag } : {}),
        });
        if (head.etag && copied.etag !== head.etag) {
          await resumes.delete([submittedKey]);
          throw new ConflictError('The résumé changed while submitting; submit again', {
            code: 'OBJECT_CHANGED',
          });
        }
        const moved = await submitApplication(db.write, record.id, uploadKey, submittedKey);
        if (!moved) {
          await resumes.delete([submittedKey]);
          throw new ConflictError('Application is already submitted', { code: 'NOT_DRAFT' });
        }
        // The upload is no longer referenced: gone now (a later re-upload to it is an orphan the purge job deletes).
        await resumes
          .delete([uploadKey])
          .catch((err: unknown) =>
            request.log.warn({ err, key: uploadKey }, 'submit: could not delete the upload'),
          );
        runtime.metrics.count('ApplicationSubmitted');
        await notify(submittedMessage(moved.applicantEmail, opportunity.title, moved.id));
        return { id: moved.id, status: moved.status };
      },
    );

    app.post<{ Params: { id: string }; Body: { status: ApplicationStatus } }>(
      '/applications/:id/status',
      {
        onRequest: hooks.reviewer,
        schema: {
          tags: ['applications'],
          summary:
            'Move a submitted application: submitted → in_review → accepted | rejected (reviewer); emails the applicant',
          security: bearer,
          params: idParams,
          body: statusBody,
          response: { 200: statusResponse },
        },
      },
      async (request) => {
        const to = request.body.status;
        const record = await findApplication(db.write, request.params.id);
        if (!record) throw new NotFoundError('Application not found');
        const from = REVIEW_TRANSITIONS[to];
        const illegal = () =>
          new ConflictError(`Cannot move an application from ${record.status} to ${to}`, {
            code: 'ILLEGAL_TRANSITION',
          });
        if (from === undefined || record.status !== from) throw illegal();
        const moved = await transition(db.write, record.id, from, to);
        if (!moved) throw illegal();
        runtime.metrics.count('ApplicationStatus', 1, { status: to });
        const opportunity = await findOpportunity(db.write, moved.opportunityId);
        await notify(
          statusMessage(
            moved.applicantEmail,
            opportunity?.title ?? 'your application',
            to as 'in_review' | 'accepted' | 'rejected',
          ),
        );
        return { id: moved.id, status: moved.status };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/applications/:id/resume-url',
      {
        onRequest: hooks.authenticated,
        schema: {
          tags: ['applications'],
          summary: 'A short-lived download URL for the résumé (its applicant or a reviewer)',
          security: bearer,
          params: idParams,
          response: { 200: resumeUrl },
        },
      },
      async (request) => {
        // The permission check comes first: a URL is only ever signed for someone allowed to read it.
        const record = await load(request, 'owner or reviewer');
        if (!record.resumeKey || !(await resumes.head(record.resumeKey)))
          throw new NotFoundError('No résumé uploaded');
        const extension = record.resumeKey.slice(record.resumeKey.lastIndexOf('.') + 1);
        return resumes.presignDownload({
          key: record.resumeKey,
          expiresInSeconds: RESUME.downloadExpiresInSeconds,
          filename: `resume-${record.id}.${extension}`,
        });
      },
    );
  };
}
