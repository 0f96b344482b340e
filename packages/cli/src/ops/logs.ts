import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { OUTPUT_KEYS, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { formatLine } from '@berthjs/dev';
import {
  clusterOf,
  day2Region,
  deployedEnvironment,
  requireOutput,
  unknownName,
  type Day2Clients,
  type Day2Runtime,
  type DeployedEnvironment,
} from './day2';
import { newestStopped } from './status';

export interface LogsOptions {
  readonly resolved: ResolvedApp;
  /** A service or job of the config. */
  readonly name: string;
  /** How far back to start, in ms. */
  readonly sinceMs: number;
  /** A CloudWatch Logs filter pattern (`ERROR`, `{ $.level >= 50 }`, `"timeout"`). */
  readonly filter?: string;
  readonly follow?: boolean;
  /** Print each event as one JSON object per line instead of the pretty line. */
  readonly json?: boolean;
  readonly region?: string;
  /** The pilot-light standby's copy of the service (`<app>-<stage>-standby`, in standby.region). */
  readonly standby?: boolean;
  /** Only the newest stopped task's stream (a service that crashed): what it printed before it died. */
  readonly previous?: boolean;
  /** Stop following after this many polls (tests). @default - until interrupted */
  readonly polls?: number;
}

export interface LogSource {
  readonly kind: 'service' | 'job';
  readonly group: string;
  /** Streams of this service or job only: the service's group also holds its jobs' streams. */
  readonly streamPrefix: string;
  /** One stream only (`--previous`: the newest stopped task's). */
  readonly stream?: string;
}

/** The log group and stream prefix of a service or job, from the stack's outputs. */
export function logSource(env: DeployedEnvironment, resolved: ResolvedApp, name: string): LogSource {
  if (resolved.services[name])
    return {
      kind: 'service',
      group: requireOutput(env, OUTPUT_KEYS.serviceLogGroup(name), `${name}'s log group`, resolved.stage),
      streamPrefix: `${name}/`,
    };
  if (resolved.jobs[name]) {
    const group = requireOutput(
      env,
      OUTPUT_KEYS.jobLogGroup(name),
      `job ${name}'s log group`,
      resolved.stage,
    );
    const prefix = requireOutput(
      env,
      OUTPUT_KEYS.jobLogStreamPrefix(name),
      `job ${name}'s stream prefix`,
      resolved.stage,
    );
    return { kind: 'job', group, streamPrefix: `${prefix}/` };
  }
  throw unknownName('service or job', name, [
    ...Object.keys(resolved.services),
    ...Object.keys(resolved.jobs),
  ]);
}

/**
 * The service's or job's CloudWatch log from `since` on (FilterLogEvents on its group, its streams only), each line
 * pretty as `berth dev` prints it; `follow` polls for new events until interrupted. For a service that is short of
 * running tasks, the newest stopped task's reason comes first: a crash loop often never reaches the log.
 */
export async function logs(options: LogsOptions, rt: Day2Runtime): Promise<{ events: number }> {
  const { resolved, name } = options;
  if (!resolved.services[name] && !resolved.jobs[name])
    throw unknownName('service or job', name, [
      ...Object.keys(resolved.services),
      ...Object.keys(resolved.jobs),
    ]);
  if (options.standby && !resolved.services[name])
    throw new CliError(
      `The standby runs services only (jobs are not scheduled there); job ${name}'s log is in 'berth logs ${name}' without --standby`,
      EXIT.invalid,
    );
  const clients = rt.clients(day2Region(resolved, options));
  const env = await deployedEnvironment(clients, resolved, options.standby ? 'standby' : 'app');
  if (options.previous && options.follow)
    throw new CliError('--previous reads a stopped task: it cannot be followed', EXIT.invalid);
  let source = logSource(env, resolved, name);
  if (options.previous) {
    if (source.kind !== 'service')
      throw new CliError(
        `--previous is for services; every run of job ${name} is in 'berth logs ${name}'`,
        EXIT.invalid,
      );
    source = { ...source, stream: await previousStream(clients, env, resolved, name) };
  }
  rt.progress(
    `${name}: ${source.group} (${source.stream ? `stream ${source.stream}` : `streams ${source.streamPrefix}*`}) since ${new Date(rt.now() - options.sinceMs).toISOString()}${options.filter ? `, filter ${options.filter}` : ''}${options.follow ? ', following (Ctrl-C to stop)' : ''}`,
  );
  if (source.kind === 'service' && !source.stream) await crashLoopReason(clients, env, resolved, name, rt);

  const seen = new Set<string>();
  let start = rt.now() - options.sinceMs;
  let printed = 0;
  for (let poll = 0; ; poll++) {
    const events = await readEvents(clients, source, start, options.filter);
    for (const e of events) {
      const id = e.eventId ?? `${e.logStreamName}/${e.timestamp}/${e.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      rt.out(options.json ? jsonLine(e) : prettyLine(e, rt.tty));
      printed++;
    }
    if (!options.follow || (options.polls !== undefined && poll + 1 >= options.polls)) break;
    // The next poll starts at the newest event seen (same-millisecond events are deduplicated by id).
    const newest = events.reduce((t, e) => Math.max(t, e.timestamp ?? 0), 0);
    if (newest > start) {
      start = newest;
      if (seen.size > 10_000) seen.clear();
    }
    await rt.sleep(Math.min(rt.pollMs, 2_000));
  }
  if (!printed && !options.follow)
    rt.progress(
      `${name}: no log events since ${new Date(rt.now() - options.sinceMs).toISOString()} (try --since 1d)`,
    );
  return { events: printed };
}

async function readEvents(
  clients: Day2Clients,
  source: LogSource,
  startTime: number,
  filter: string | undefined,
): Promise<FilteredLogEvent[]> {
  const out: FilteredLogEvent[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await clients.logs.send(
        new FilterLogEventsCommand({
          logGroupName: source.group,
          ...(source.stream
            ? { logStreamNames: [source.stream] }
            : { logStreamNamePrefix: source.streamPrefix }),
          startTime,
          ...(filter ? { filterPattern: filter } : {}),
          ...(token ? { nextToken: token } : {}),
        }),
      );
      out.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
  } catch (err) {
    const e = err as Error;
    if (e.name === 'ResourceNotFoundException')
      throw new CliError(
        `Log group ${source.group} does not exist (deleted outside Berth?): ${e.message}`,
        EXIT.failed,
      );
    if (e.name === 'InvalidParameterException' && filter)
      throw new CliError(
        `--filter ${JSON.stringify(filter)} is not a CloudWatch Logs filter pattern: ${e.message}`,
        EXIT.invalid,
      );
    throw err;
  }
  return out.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** `api/api/0f1e2d…` → `0f1e2d`: the task that wrote the line. */
function taskOf(stream: string | undefined): string {
  return (stream ?? '').split('/').pop()?.slice(0, 6) ?? '';
}

/** `berth dev`'s line, with the task that wrote it; plain (non-JSON) lines get the event's time. */
export function prettyLine(e: FilteredLogEvent, tty: boolean): string {
  const line = formatLine(e.message ?? '');
  const body = tty ? line.colored : line.text;
  const task = taskOf(e.logStreamName);
  const clock = line.entry ? '' : `${new Date(e.timestamp ?? 0).toISOString().slice(11, 23)} `;
  return `${tty ? `\x1b[36m${task}\x1b[0m` : task} ${clock}${body}`;
}

function jsonLine(e: FilteredLogEvent): string {
  return JSON.stringify({
    time: new Date(e.timestamp ?? 0).toISOString(),
    stream: e.logStreamName,
    message: (e.message ?? '').replace(/\n$/, ''),
  });
}

/** The log stream of the service's newest stopped task: `<service>/<container>/<task id>` (awslogs-stream-prefix). */
async function previousStream(
  clients: Day2Clients,
  env: DeployedEnvironment,
  resolved: ResolvedApp,
  name: string,
): Promise<string> {
  const serviceName = requireOutput(
    env,
    OUTPUT_KEYS.serviceName(name),
    `${name}'s ECS service`,
    resolved.stage,
  );
  const t = await newestStopped(clients, clusterOf(env, resolved.stage), { serviceName });
  if (!t?.taskArn)
    throw new CliError(
      `${name} has no stopped task ECS still remembers (about an hour): nothing crashed lately. 'berth logs ${name} --since 1d' has every task's lines.`,
      EXIT.failed,
    );
  const container = t.containers?.find((c) => c.name === name)?.name ?? t.containers?.[0]?.name ?? name;
  return `${name}/${container}/${t.taskArn.split('/').pop()}`;
}

/** When the service runs fewer tasks than it wants: why its newest task stopped (stderr). */
async function crashLoopReason(
  clients: Day2Clients,
  env: DeployedEnvironment,
  resolved: ResolvedApp,
  name: string,
  rt: Day2Runtime,
): Promise<void> {
  const serviceName = env.outputs[OUTPUT_KEYS.serviceName(name)];
  if (!serviceName) return;
  const cluster = clusterOf(env, resolved.stage);
  const s = (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] })))
    .services?.[0];
  if (!s || (s.runningCount ?? 0) >= (s.desiredCount ?? 0)) return;
  rt.progress(`${name}: ${s.runningCount ?? 0} of ${s.desiredCount ?? 0} tasks running`);
  const t = await newestStopped(clients, cluster, { serviceName });
  if (!t) return;
  const c = t.containers?.find((x) => x.name === name) ?? t.containers?.[0];
  rt.progress(
    `${name}: last stopped task ${(t.taskArn ?? '').split('/').pop()}${t.stoppedAt ? ` at ${t.stoppedAt.toISOString()}` : ''}: ${t.stoppedReason ?? 'no reason'}${c?.exitCode !== undefined && c.exitCode !== null ? ` (exit ${c.exitCode})` : ''}${c?.reason ? ` — ${c.reason}` : ''}`,
  );
}
