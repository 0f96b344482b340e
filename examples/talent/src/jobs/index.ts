import type { Job } from '@berthjs/runtime';
import { migrateJob } from './migrate';
import { purgeOrphanUploadsJob } from './purge-orphan-uploads';
import { sendRemindersJob } from './send-reminders';

export { sendReminders } from './send-reminders';
export { purgeOrphanUploads } from './purge-orphan-uploads';

/** Every job `node dist/job.js <name>` can run; the schedules live in berth.config.ts. */
export function talentJobs(options: { migrationsDir: string }): readonly Job[] {
  return [migrateJob(options.migrationsDir), sendRemindersJob, purgeOrphanUploadsJob];
}
