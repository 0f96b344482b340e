import type { Queryable } from '@berthjs/runtime';
import type { ApplicationStatus } from './domain';

/** Every SQL statement the app runs, and the row → API shape mapping. Routes and jobs go through here. */

export interface Opportunity {
  id: string;
  title: string;
  description: string;
  closesAt: string | null;
  createdAt: string;
}

export interface Application {
  id: string;
  opportunityId: string;
  status: ApplicationStatus;
  applicantEmail: string;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
}

export interface ApplicationRecord extends Application {
  applicantSub: string;
  resumeKey: string | null;
}

interface OpportunityRow {
  id: string;
  title: string;
  description: string;
  closes_at: Date | null;
  created_at: Date;
}

interface ApplicationRow {
  id: string;
  opportunity_id: string;
  applicant_sub: string;
  applicant_email: string;
  status: ApplicationStatus;
  resume_key: string | null;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
}

const OPPORTUNITY_COLUMNS = 'id, title, description, closes_at, created_at';
const APPLICATION_COLUMNS =
  'id, opportunity_id, applicant_sub, applicant_email, status, resume_key, created_at, updated_at, submitted_at';
const SELECT_OPPORTUNITY = `select ${OPPORTUNITY_COLUMNS} from opportunities where id = $1`;
const SELECT_APPLICATION = `select ${APPLICATION_COLUMNS} from applications where id = $1`;
/** The list is small by nature (open calls); the cap keeps one cached value bounded. */
export const LIST_LIMIT = 200;

function toOpportunity(row: OpportunityRow): Opportunity {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    closesAt: row.closes_at ? row.closes_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

function toApplication(row: ApplicationRow): ApplicationRecord {
  return {
    id: row.id,
    opportunityId: row.opportunity_id,
    status: row.status,
    applicantEmail: row.applicant_email,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    submittedAt: row.submitted_at ? row.submitted_at.toISOString() : null,
    applicantSub: row.applicant_sub,
    resumeKey: row.resume_key,
  };
}

export async function insertOpportunity(
  db: Queryable,
  input: { title: string; description: string; closesAt?: string; createdBy: string },
): Promise<Opportunity> {
  const { rows } = await db.query<OpportunityRow>(
    `insert into opportunities (title, description, closes_at, created_by) values ($1, $2, $3, $4) returning ${OPPORTUNITY_COLUMNS}`,
    [input.title, input.description, input.closesAt ?? null, input.createdBy],
  );
  return toOpportunity(rows[0]!);
}

export async function listOpportunities(db: Queryable): Promise<Opportunity[]> {
  const { rows } = await db.query<OpportunityRow>(
    `select ${OPPORTUNITY_COLUMNS} from opportunities order by created_at desc, id limit ${LIST_LIMIT}`,
  );
  return rows.map(toOpportunity);
}

export async function findOpportunity(db: Queryable, id: string): Promise<Opportunity | undefined> {
  const { rows } = await db.query<OpportunityRow>(SELECT_OPPORTUNITY, [id]);
  return rows[0] ? toOpportunity(rows[0]) : undefined;
}

/** Undefined when this applicant already applied (the unique constraint decides, not a racy pre-check). */
export async function insertApplication(
  db: Queryable,
  input: { opportunityId: string; applicantSub: string; applicantEmail: string },
): Promise<ApplicationRecord | undefined> {
  const { rows } = await db.query<ApplicationRow>(
    `insert into applications (opportunity_id, applicant_sub, applicant_email) values ($1, $2, $3)
     on conflict (opportunity_id, applicant_sub) do nothing returning ${APPLICATION_COLUMNS}`,
    [input.opportunityId, input.applicantSub, input.applicantEmail],
  );
  return rows[0] ? toApplication(rows[0]) : undefined;
}

export async function findApplication(db: Queryable, id: string): Promise<ApplicationRecord | undefined> {
  const { rows } = await db.query<ApplicationRow>(SELECT_APPLICATION, [id]);
  return rows[0] ? toApplication(rows[0]) : undefined;
}

/** Records the key of a new presigned upload, only while the application is still a draft. */
export async function setResumeKey(db: Queryable, id: string, key: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update applications set resume_key = $2, updated_at = now() where id = $1 and status = 'draft'`,
    [id, key],
  );
  return rowCount === 1;
}

/**
 * draft → submitted, pointing the application at the résumé copy it accepted (`submittedKey`), only if it is still a
 * draft whose résumé is still `uploadKey` (no newer presign raced the submit). Undefined otherwise.
 */
export async function submitApplication(
  db: Queryable,
  id: string,
  uploadKey: string,
  submittedKey: string,
): Promise<ApplicationRecord | undefined> {
  const { rows } = await db.query<ApplicationRow>(
    `update applications
        set status = 'submitted', resume_key = $3, updated_at = now(), submitted_at = now()
      where id = $1 and status = 'draft' and resume_key = $2
      returning ${APPLICATION_COLUMNS}`,
    [id, uploadKey, submittedKey],
  );
  return rows[0] ? toApplication(rows[0]) : undefined;
}

/** Moves `from` → `to` atomically; undefined when the application is no longer in `from`. */
export async function transition(
  db: Queryable,
  id: string,
  from: ApplicationStatus,
  to: ApplicationStatus,
): Promise<ApplicationRecord | undefined> {
  const { rows } = await db.query<ApplicationRow>(
    `update applications
        set status = $3, updated_at = now(), submitted_at = case when $3 = 'submitted' then now() else submitted_at end
      where id = $1 and status = $2
      returning ${APPLICATION_COLUMNS}`,
    [id, from, to],
  );
  return rows[0] ? toApplication(rows[0]) : undefined;
}

export interface DueReminder {
  id: string;
  applicantEmail: string;
  opportunityTitle: string;
}

/**
 * Claims drafts created before `cutoff` that were never reminded, marking them in the same statement, so two
 * overlapping runs cannot both pick the same draft.
 */
export async function claimDueReminders(
  db: Queryable,
  cutoff: Date,
  now: Date,
  limit: number,
): Promise<DueReminder[]> {
  const { rows } = await db.query<{ id: string; applicant_email: string; title: string }>(
    `with due as (
       select id from applications
        where status = 'draft' and reminded_at is null and created_at < $1
        order by created_at limit $3
        for update skip locked
     )
     update applications a set reminded_at = $2
       from due, opportunities o
      where a.id = due.id and o.id = a.opportunity_id
     returning a.id, a.applicant_email, o.title`,
    [cutoff, now, limit],
  );
  return rows.map((r) => ({ id: r.id, applicantEmail: r.applicant_email, opportunityTitle: r.title }));
}

/** Gives a claimed reminder back when its email could not be sent, so the next run tries again. */
export async function releaseReminder(db: Queryable, id: string): Promise<void> {
  await db.query(`update applications set reminded_at = null where id = $1`, [id]);
}

/** Which of `keys` some application references. */
export async function referencedResumeKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ resume_key: string }>(
    `select resume_key from applications where resume_key = any($1::text[])`,
    [keys],
  );
  return new Set(rows.map((r) => r.resume_key));
}
