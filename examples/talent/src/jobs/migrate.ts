import { defineJob, migrate, type Job } from '@berthjs/runtime';

/** Applies migrations/NNN_*.sql in order; run as a one-off before a deploy's services start. */
export function migrateJob(migrationsDir: string): Job {
  return defineJob({
    name: 'migrate',
    run: async ({ runtime, log }) => {
      await migrate(runtime.db, migrationsDir, { log });
    },
  });
}
