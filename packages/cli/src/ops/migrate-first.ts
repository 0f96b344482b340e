import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { jobFamily, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import type { AwsClients, OpsRuntime } from './aws';
import { migrateCommand } from './commands';
import { runTask, type RunTaskReport } from './runtask';
import { serviceNamed, type DeployedStack } from './stack';

export interface MigrationRun {
  /** The task definition revision the migrations ran with: the new image. */
  readonly taskDefinition: string;
  readonly command: readonly string[];
  readonly report: RunTaskReport;
}

/**
 * The migrations of the new release, before any service gets it. Berth registers a revision of the migration's task
 * definition (the `migrate` job's, else the job it borrows the entry point from, else the service's) with the new
 * image tag in place of the old, RunTasks it and waits for it to exit. A non-zero exit (or a task that never ran)
 * throws: the caller has deployed nothing yet, so the services keep serving the previous release.
 * Undefined when the app has nothing to migrate (no database and no `migrate` job).
 */
export async function migrateFirst(
  resolved: ResolvedApp,
  clients: AwsClients,
  rt: OpsRuntime,
  stack: DeployedStack,
  imageTag: string,
): Promise<MigrationRun | undefined> {
  let plan;
  try {
    plan = migrateCommand(resolved);
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.invalid) return undefined;
    throw err;
  }
  const { service: serviceName, command, job } = plan;
  const deployed = serviceNamed(stack, serviceName);
  // A job's own family: a revision registered there is never what `berth rollback` returns a service to.
  const current = job ? jobFamily(resolved, job) : deployed.service.taskDefinition!;
  const described = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current })))
    .taskDefinition;
  if (!described?.taskDefinitionArn) {
    throw new CliError(`Cannot run the migrations first: no task definition ${current}`, EXIT.failed);
  }
  const input = withImageTag(described, resolved, imageTag);
  let taskDefinition = described.taskDefinitionArn;
  if (input) {
    const res = await clients.ecs.send(new RegisterTaskDefinitionCommand(input));
    taskDefinition = res.taskDefinition?.taskDefinitionArn ?? '';
    if (!taskDefinition) throw new CliError(`RegisterTaskDefinition for ${input.family} failed`, EXIT.failed);
  }
  rt.progress(
    `migrating with the new image before any service gets it: ${taskDefinition.split('/').pop()} (${command.join(' ')})`,
  );
  try {
    const report = await runTask(
      {
        resolved,
        name: 'migrate',
        service: serviceName,
        command,
        taskDefinition,
        ...(job ? { fargate: true } : {}),
        ...(job && resolved.jobs[job] ? { timeoutMinutes: resolved.jobs[job]!.timeoutMinutes } : {}),
        region: clients.region,
      },
      rt,
    );
    if (report.exitCode !== 0) {
      throw new CliError(
        `The migrations of ${imageTag} failed (exit ${report.exitCode}${report.logGroup ? `; log ${report.logGroup} ${report.logStream ?? ''}` : ''}). Nothing was deployed: the services still run the previous release.`,
        EXIT.failed,
      );
    }
    return { taskDefinition, command, report };
  } catch (err) {
    if (err instanceof CliError && !/Nothing was deployed/.test(err.message)) {
      throw new CliError(
        `${err.message}\nThe migrations did not run to completion; nothing was deployed: the services still run the previous release.`,
        EXIT.failed,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The container label on a revision `berth deploy` registered to run migrations with (a harmless Docker label). */
export const MIGRATION_LABEL = 'berth.purpose';

export function isMigrationRevision(containers: readonly ContainerDefinition[]): boolean {
  return containers.some((c) => c.dockerLabels?.[MIGRATION_LABEL] === 'migrate');
}

/** The register input for `described` with every Berth-built image moved to `tag`; undefined when none changes. */
export function withImageTag(
  described: TaskDefinition,
  resolved: ResolvedApp,
  tag: string,
): RegisterTaskDefinitionCommandInput | undefined {
  const built = Object.values(resolved.services)
    .filter((s) => s.image.kind === 'build')
    .map((s) => `/${resolved.app}/${s.name}`);
  let changed = false;
  const containerDefinitions = (described.containerDefinitions ?? []).map((c) => {
    const m = /^([^@]+?):([^:/@]+)$/.exec(c.image ?? '');
    if (!m || !built.some((repo) => m[1]!.endsWith(repo)) || m[2] === tag) return c;
    changed = true;
    return { ...c, image: `${m[1]}:${tag}` };
  });
  if (!changed) return undefined;
  // Labelled, so `berth rollback` never returns a service to a revision that only ran migrations.
  for (const c of containerDefinitions) c.dockerLabels = { ...c.dockerLabels, [MIGRATION_LABEL]: 'migrate' };
  const d = described;
  return {
    family: d.family!,
    containerDefinitions,
    ...(d.taskRoleArn ? { taskRoleArn: d.taskRoleArn } : {}),
    ...(d.executionRoleArn ? { executionRoleArn: d.executionRoleArn } : {}),
    ...(d.networkMode ? { networkMode: d.networkMode } : {}),
    ...(d.volumes?.length ? { volumes: d.volumes } : {}),
    ...(d.placementConstraints?.length ? { placementConstraints: d.placementConstraints } : {}),
    ...(d.requiresCompatibilities?.length ? { requiresCompatibilities: d.requiresCompatibilities } : {}),
    ...(d.cpu ? { cpu: d.cpu } : {}),
    ...(d.memory ? { memory: d.memory } : {}),
    ...(d.runtimePlatform ? { runtimePlatform: d.runtimePlatform } : {}),
    ...(d.ephemeralStorage ? { ephemeralStorage: d.ephemeralStorage } : {}),
    ...(d.pidMode ? { pidMode: d.pidMode } : {}),
    ...(d.ipcMode ? { ipcMode: d.ipcMode } : {}),
    ...(d.proxyConfiguration ? { proxyConfiguration: d.proxyConfiguration } : {}),
  };
}
