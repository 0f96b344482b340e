import { resolve as resolvePath } from 'node:path';
import { substituteContract, type ResolvedApp } from '@berthjs/config';
import { jobDevCommand, migrateDevCommand, MIGRATE_JOB } from './commands';
import type { JobSpec } from '../scheduler/scheduler';
import { ServiceProcess, type ServiceSpec } from './service';
import type { Terminal } from '../terminal/terminal';

/**
 * What `berth dev` runs from the config: a process per service with a dev command, and a job spec per job (plus
 * the migrate job). Each gets its service's env, built up front, so a job runs even when its service does not.
 */

export type ServiceEnvs = ReadonlyMap<string, Record<string, string>>;

export function jobSpecs(
  resolved: ResolvedApp,
  configDir: string,
  envs: ServiceEnvs,
  term: Terminal,
): JobSpec[] {
  const specs: JobSpec[] = [];
  const cwdOf = (service: string) => resolvePath(configDir, resolved.services[service]?.dev?.cwd ?? '.');
  for (const job of Object.values(resolved.jobs)) {
    const command = jobDevCommand(resolved, job);
    if (!command) {
      term.warn(
        `job ${job.name}: no devCommand and service ${job.service} has no dev.command; it cannot run locally`,
      );
      continue;
    }
    specs.push({
      name: job.name,
      service: job.service,
      schedule: job.schedule,
      enabled: job.enabled,
      command: substituteContract(command, envs.get(job.service) ?? {}),
      cwd: cwdOf(job.service),
      env: envs.get(job.service) ?? {},
      timeoutMinutes: job.timeoutMinutes,
    });
  }
  const migrate = migrateDevCommand(resolved);
  if (migrate && !resolved.jobs[MIGRATE_JOB]) {
    specs.unshift({
      name: MIGRATE_JOB,
      service: migrate.service,
      schedule: null,
      enabled: true,
      command: substituteContract(migrate.command, envs.get(migrate.service) ?? {}),
      cwd: cwdOf(migrate.service),
      env: envs.get(migrate.service) ?? {},
      timeoutMinutes: 30,
    });
  }
  return specs;
}

/** What a service's process runs with; undefined for a service without a dev command. */
export function serviceSpec(
  resolved: ResolvedApp,
  configDir: string,
  envs: ServiceEnvs,
  name: string,
  healthLogs = false,
): ServiceSpec | undefined {
  const service = resolved.services[name];
  if (!service?.dev) return undefined;
  const env = envs.get(name)!;
  return {
    name,
    // `${PORT}` is the port berth dev assigned, as ECS's is the config's.
    command: substituteContract(service.dev.command, env),
    cwd: resolvePath(configDir, service.dev.cwd),
    env,
    port: Number(env.PORT),
    healthPath: service.healthPath,
    stopTimeout: service.stopTimeout,
    watch: service.dev.watch.map((w) => resolvePath(configDir, w)),
    healthLogs,
  };
}

/** Starts every service that has a dev command into `into`; warns about the ones that have none. */
export function startServices(
  resolved: ResolvedApp,
  configDir: string,
  envs: ServiceEnvs,
  term: Terminal,
  urlOf: (service: string) => string,
  into: Map<string, ServiceProcess>,
  healthLogs = false,
): void {
  for (const service of Object.values(resolved.services)) {
    if (!service.dev) {
      term.warn(
        `${service.name}: no dev.command in the config, so berth dev does not run it (the router answers 502)`,
      );
      continue;
    }
    const proc = new ServiceProcess(
      serviceSpec(resolved, configDir, envs, service.name, healthLogs)!,
      term,
      urlOf(service.name),
    );
    into.set(service.name, proc);
    proc.start();
  }
}
