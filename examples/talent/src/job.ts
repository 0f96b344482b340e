import { fileURLToPath } from 'node:url';
import { jobMain } from '@berthjs/runtime';
import { talentJobs } from './jobs/index';

// src/job.ts and dist/job.js both sit one level below the app, beside migrations/.
const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

await jobMain(talentJobs({ migrationsDir }));
