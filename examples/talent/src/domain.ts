/** The application lifecycle: an applicant drafts and submits, a reviewer moves it on. */
export const STATUSES = ['draft', 'submitted', 'in_review', 'accepted', 'rejected'] as const;
export type ApplicationStatus = (typeof STATUSES)[number];

/** For each status a reviewer may set, the one status it may follow. Anything else is a 409. */
export const REVIEW_TRANSITIONS: Readonly<Partial<Record<ApplicationStatus, ApplicationStatus>>> =
  Object.freeze({
    in_review: 'submitted',
    accepted: 'in_review',
    rejected: 'in_review',
  });

/** Résumés: PDF or DOCX, at most 5 MB, under one prefix of the `resumes` bucket. */
export const RESUME = Object.freeze({
  bucket: 'resumes',
  prefix: 'resumes',
  maxBytes: 5 * 1024 * 1024,
  contentTypes: Object.freeze({
    'application/pdf': 'pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  } as Record<string, string>),
  /** The folder (under the application's) that holds the résumé an application was submitted with. */
  submittedFolder: 'submitted',
  uploadExpiresInSeconds: 300,
  downloadExpiresInSeconds: 300,
});

/** Drafts older than this get one reminder. */
export const REMINDER_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
/** Unreferenced uploads younger than this may still be an upload in flight, so they are kept. */
export const ORPHAN_AFTER_MS = 24 * 60 * 60 * 1000;

export interface Principal {
  readonly sub: string;
  readonly email: string;
  readonly reviewer: boolean;
}
