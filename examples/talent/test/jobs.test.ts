import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, runJob } from '@berthjs/runtime';
import { purgeOrphanUploads, sendReminders } from '../src/jobs/index';
import { talentJobs } from '../src/jobs/index';
import {
  apply,
  createOpportunity,
  MIGRATIONS,
  PDF,
  pdfBytes,
  startTalent,
  submit,
  uploadResume,
  uploadWith,
  USERS,
  type Talent,
} from './harness';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

let t: Talent;
beforeAll(async () => {
  t = await startTalent();
});
afterAll(async () => {
  await t?.close();
});

const reminders = async () =>
  (await t.ses.messages()).filter((m) => m.subject.startsWith('Finish your application'));

describe('send-reminders', () => {
  it('reminds each draft older than three days once; a second run sends nothing', async () => {
    // GIVEN a draft, an application already submitted, and (later) a fresh draft
    const old = await apply(t, 'owner', await createOpportunity(t, { title: 'Old draft' }));
    const done = await apply(t, 'other', await createOpportunity(t, { title: 'Submitted' }));
    await uploadResume(t, 'other', done);
    await submit(t, 'other', done);

    // WHEN the job runs before three days have passed, nobody is reminded
    expect(await sendReminders(t.runtime, { now: new Date(Date.now() + 2 * DAY) })).toEqual({
      sent: 0,
      failed: 0,
    });

    // … after three days, only the draft is, once
    const later = new Date(Date.now() + 3 * DAY + HOUR);
    expect(await sendReminders(t.runtime, { now: later })).toEqual({ sent: 1, failed: 0 });
    expect(await sendReminders(t.runtime, { now: later })).toEqual({ sent: 0, failed: 0 });
    expect(await sendReminders(t.runtime, { now: new Date(later.getTime() + 10 * DAY) })).toEqual({
      sent: 0,
      failed: 0,
    });

    // THEN the SES peer saw exactly one reminder, to the draft's applicant, naming it
    const seen = await reminders();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ to: USERS.owner.email, subject: 'Finish your application: Old draft' });
    expect(seen[0]!.text).toContain(old);
    const { rows } = await t.runtime.db.query<{ reminded_at: Date | null }>(
      'select reminded_at from applications where id = $1',
      [old],
    );
    expect(rows[0]!.reminded_at?.getTime()).toBe(later.getTime());
  });

  it('overlapping runs never send one draft two reminders', async () => {
    await apply(t, 'reviewer', await createOpportunity(t, { title: 'Race' }));
    const before = (await reminders()).length;
    const now = new Date(Date.now() + 4 * DAY);
    const results = await Promise.all([
      sendReminders(t.runtime, { now }),
      sendReminders(t.runtime, { now }),
      sendReminders(t.runtime, { now }),
    ]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect((await reminders()).length).toBe(before + 1);
  });

  it('runs through the job entry point (the runtime runJob) with exit code 0', async () => {
    expect(await runJob('send-reminders', talentJobs({ migrationsDir: MIGRATIONS }), t.runtime)).toBe(0);
  });
});

describe('purge-orphan-uploads', () => {
  it('deletes only résumé objects older than 24 h that no application references', async () => {
    const resumes = t.runtime.storage('resumes');
    const put = async (key: string) => {
      const upload = await resumes.presignUpload({ key, contentType: PDF, maxBytes: 100 });
      expect((await uploadWith(upload, pdfBytes(100), PDF)).ok).toBe(true);
    };
    // GIVEN a referenced résumé, a replaced one (the applicant asked for a second upload URL), stray objects
    const id = await apply(t, 'owner', await createOpportunity(t, { title: 'Purge' }));
    const replaced = await uploadResume(t, 'owner', id);
    const current = await uploadResume(t, 'owner', id);
    const stray = resumes.key('resumes', 'not-an-application', 'stray.pdf');
    await put(stray);
    const outside = resumes.key('exports', 'keep.csv');
    await put(outside);

    // WHEN the job runs now, everything is too young to be an orphan
    expect((await purgeOrphanUploads(t.runtime)).deleted).toEqual([]);

    // … and 25 hours later (s3rver stamps LastModified at upload, so the clock moves instead)
    const later = new Date(Date.now() + 25 * HOUR);
    const first = await purgeOrphanUploads(t.runtime, { now: later });
    expect(first.deleted.sort()).toEqual([replaced, stray].sort());

    // THEN the referenced résumé and objects outside the prefix remain, and a second run deletes nothing
    expect(await resumes.head(current)).toBeDefined();
    expect(await resumes.head(outside)).toBeDefined();
    expect(await resumes.head(replaced)).toBeUndefined();
    expect((await purgeOrphanUploads(t.runtime, { now: later })).deleted).toEqual([]);
  });
});

describe('migrate', () => {
  it('is idempotent: a second run applies nothing', async () => {
    expect((await migrate(t.runtime.db, MIGRATIONS, { log: t.runtime.log })).applied).toEqual([]);
    expect(await runJob('migrate', talentJobs({ migrationsDir: MIGRATIONS }), t.runtime)).toBe(0);
  });
});
