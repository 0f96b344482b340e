import type { ResolvedApp, ResolvedJob } from '@berthjs/config';

/** The migration job's name: run once before services start, and on demand from the console. */
export const MIGRATE_JOB = 'migrate';

/** How `berth dev` runs a job: its `devCommand`, else its service's dev command with the job name appended. */
export function jobDevCommand(resolved: ResolvedApp, job: ResolvedJob): readonly string[] | undefined {
  if (job.devCommand) return job.devCommand;
  const dev = resolved.services[job.service]?.dev;
  return dev ? [...dev.command, job.name] : undefined;
}

/**
 * How `berth dev` runs migrations, by convention (no config key needed):
 * 1. a declared job named `migrate` runs as any job does;
 * 2. else a job of the default service whose devCommand ends with its own name shows the pattern of the job entry
 *    point: that command with `migrate` instead (`node --import tsx src/job.ts send-reminders` → `… migrate`);
 * 3. else the default service's dev command with `migrate` appended (the default for any job).
 * Undefined when the default service uses no database (nothing to migrate) or has no dev command.
 */
export function migrateDevCommand(
  resolved: ResolvedApp,
): { service: string; command: readonly string[] } | undefined {
  const declared = resolved.jobs[MIGRATE_JOB];
  if (declared) {
    const command = jobDevCommand(resolved, declared);
    return command ? { service: declared.service, command } : undefined;
  }
  const service = resolved.services[resolved.defaultService];
  if (!service || !resolved.database || !service.uses.database) return undefined;
  for (const job of Object.values(resolved.jobs)) {
    const command = job.devCommand;
    if (job.service === service.name && command && command[command.length - 1] === job.name) {
      return { service: service.name, command: [...command.slice(0, -1), MIGRATE_JOB] };
    }
  }
  return service.dev ? { service: service.name, command: [...service.dev.command, MIGRATE_JOB] } : undefined;
}
