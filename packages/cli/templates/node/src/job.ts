import { fileURLToPath } from 'node:url';
import { defineJob, jobMain, migrate, type JobContext } from '@berthjs/runtime';

// src/job.ts and dist/job.js both sit one level below the app, beside migrations/.
const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** `node dist/job.js <name>` runs one job once and exits non-zero when it fails: what a scheduled RunTask does. */
await jobMain([
  defineJob({
    name: 'migrate',
    run: async ({ runtime, log }: JobContext) => {
      await migrate(runtime.db, migrationsDir, { log });
    },
  }),
  defineJob({
    name: 'cleanup',
    run: async ({ runtime, log }: JobContext) => {
      const { rowCount } = await runtime.db.query("delete from visits where at < now() - interval '30 days'");
      log.info({ deleted: rowCount }, 'cleanup: done');
    },
  }),
]);
