import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ExecuteCommandCommand,
  ListTasksCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { OUTPUT_KEYS, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import {
  clusterOf,
  day2Region,
  deployedEnvironment,
  requireOutput,
  unknownName,
  type Day2Runtime,
} from './day2';
import { pluginArgs, requirePlugin } from './session';

export interface ExecOptions {
  readonly resolved: ResolvedApp;
  readonly service: string;
  /** What to run in the container. @default ['/bin/sh'] */
  readonly command?: readonly string[];
  /** A task id (or its first characters) to pick instead of the first running task. */
  readonly task?: string;
  readonly region?: string;
  /** The pilot-light standby's copy of the service (`<app>-<stage>-standby`, in standby.region). */
  readonly standby?: boolean;
}

/** Quotes an argument for the shell ECS Exec runs the command with, when it needs it. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * ECS Exec into a running task of the service: finds the cluster and service from the stack's outputs, picks a
 * running task whose exec agent runs, calls ExecuteCommand and hands the session to the session-manager-plugin on
 * this terminal, as `aws ecs execute-command` does. Resolves with the plugin's exit code.
 */
export async function exec(options: ExecOptions, rt: Day2Runtime): Promise<number> {
  const { resolved, service: name } = options;
  const service = resolved.services[name];
  if (!service) throw unknownName('service', name, Object.keys(resolved.services));
  const region = day2Region(resolved, options);
  if (!service.exec)
    throw new CliError(
      `ECS Exec is off for ${name} in ${resolved.stage} (the ${resolved.profile} profile's default${resolved.profile === 'prod' ? ': opt-in' : ''}). Set services.${name}.exec: true (for this environment only: environments.${resolved.stage}.overrides.services.${name}.exec) and run 'berth deploy --env ${resolved.stage}'.`,
      EXIT.failed,
    );
  const plugin = await requirePlugin(rt);
  const clients = rt.clients(region);
  const env = await deployedEnvironment(clients, resolved, options.standby ? 'standby' : 'app');
  const cluster = clusterOf(env, resolved.stage);
  const serviceName = requireOutput(
    env,
    OUTPUT_KEYS.serviceName(name),
    `${name}'s ECS service`,
    resolved.stage,
  );

  const deployed = (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] })))
    .services?.[0];
  if (!deployed?.enableExecuteCommand)
    throw new CliError(
      `The deployed ${name} service has ECS Exec off: the config turns it on, so run 'berth deploy --env ${resolved.stage}' first (tasks started before that cannot be exec'd into).`,
      EXIT.failed,
    );
  const arns =
    (await clients.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' })))
      .taskArns ?? [];
  const tasks = arns.length
    ? ((await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks ?? [])
    : [];
  const task = pickTask(tasks, name, options.task);
  if (!task)
    throw new CliError(
      options.task
        ? `No running task of ${name} starts with ${options.task}; running: ${tasks.map(taskId).join(', ') || 'none'}`
        : options.standby && !tasks.length
          ? `The standby's ${name} in ${region} runs no task: a pilot light keeps standby.tasks of each service (0 by default) until a failover. 'berth status --env ${resolved.stage} --standby' shows its count; set standby.tasks to 1 to keep one to exec into.`
          : `${name} has no running task with ECS Exec's agent running (${tasks.length} task(s) RUNNING). 'berth status --env ${resolved.stage}${options.standby ? ' --standby' : ''}' shows why tasks stop; tasks started before ECS Exec was enabled need a new deployment.`,
      EXIT.failed,
    );
  const container = task.containers?.find((c) => c.name === name) ?? task.containers?.[0];
  const command = (options.command?.length ? options.command : ['/bin/sh']).map(shellQuote).join(' ');
  rt.progress(
    `${options.standby ? `standby (${region}) ` : ''}${name}: task ${taskId(task)} (${task.taskDefinitionArn?.split('/').pop() ?? '?'}), running ${command}`,
  );

  let response;
  try {
    response = await clients.ecs.send(
      new ExecuteCommandCommand({
        cluster,
        task: task.taskArn!,
        container: container?.name ?? name,
        interactive: true,
        command,
      }),
    );
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TargetNotConnectedException')
      throw new CliError(
        `ECS could not reach the exec agent in task ${taskId(task)}: ${e.message}. The task role needs the four ssmmessages calls (berth check proves them), and the task's subnets a route to ssmmessages.${region}.amazonaws.com (NAT or an interface endpoint).`,
        EXIT.failed,
      );
    if (e.name === 'AccessDeniedException')
      throw new CliError(
        `Not allowed to ECS Exec into ${name}: ${e.message}. The operator policy in docs/operate.md lists ecs:ExecuteCommand and what it needs.`,
        EXIT.failed,
      );
    throw err;
  }
  if (!response.session?.streamUrl || !response.session.tokenValue)
    throw new CliError(`ExecuteCommand returned no session for task ${taskId(task)}`, EXIT.failed);
  const clusterName = (response.clusterArn ?? cluster).split('/').pop()!;
  const target = `ecs:${clusterName}_${taskId(task)}_${container?.runtimeId ?? ''}`;
  const result = await rt.spawn(
    plugin,
    pluginArgs({
      session: { ...response.session },
      region,
      profile: rt.env.AWS_PROFILE ?? '',
      request: { Target: target },
      endpoint: `https://ecs.${region}.amazonaws.com`,
    }),
  );
  return result.code;
}

const taskId = (t: Task) => (t.taskArn ?? '').split('/').pop() ?? '';

/** A RUNNING task whose ExecuteCommandAgent is RUNNING in the service's container (or the one asked for). */
function pickTask(tasks: readonly Task[], container: string, wanted: string | undefined): Task | undefined {
  const ready = tasks.filter((t) => {
    if (t.lastStatus !== 'RUNNING') return false;
    const c = t.containers?.find((x) => x.name === container) ?? t.containers?.[0];
    return c?.managedAgents?.some((a) => a.name === 'ExecuteCommandAgent' && a.lastStatus === 'RUNNING');
  });
  return wanted ? ready.find((t) => taskId(t).startsWith(wanted)) : ready[0];
}
