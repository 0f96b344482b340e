import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';

/** The migration job's name, as in `berth dev`. */
export const MIGRATE_JOB = 'migrate';

/**
 * What `berth migrate` runs in the cloud, by convention (no config key needed), mirroring `berth dev`:
 * 1. a declared job named `migrate`: its command and service;
 * 2. else a job of the default service whose command ends with its own name shows the job entry point: that
 *    command with `migrate` instead (`node dist/job.js send-reminders` → `node dist/job.js migrate`);
 * 3. else the default service's command with `migrate` appended.
 */
export function migrateCommand(resolved: ResolvedApp): {
  service: string;
  command: readonly string[];
  /** The job whose task definition (family `<app>-<stage>-job-<name>`) the migration can borrow, if any. */
  job?: string;
} {
  const declared = resolved.jobs[MIGRATE_JOB];
  if (declared) return { service: declared.service, command: declared.command, job: MIGRATE_JOB };
  const service = resolved.services[resolved.defaultService]!;
  if (!resolved.database || !service.uses.database) {
    throw new CliError(
      `Nothing to migrate: ${resolved.app} has no database${resolved.database ? ` used by ${service.name}` : ''}. Declare a job named 'migrate' to run one anyway.`,
      EXIT.invalid,
    );
  }
  for (const job of Object.values(resolved.jobs)) {
    const c = job.command;
    if (job.service === service.name && c[c.length - 1] === job.name) {
      return { service: service.name, command: [...c.slice(0, -1), MIGRATE_JOB], job: job.name };
    }
  }
  if (service.command) return { service: service.name, command: [...service.command, MIGRATE_JOB] };
  throw new CliError(
    `Cannot derive the migrate command: ${service.name} has no command and no job shows the job entry point. Declare a job named 'migrate'.`,
    EXIT.invalid,
  );
}
