import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import {
  OUTPUT_KEYS,
  parseTaskDefinitionArn,
  serviceOfFamily,
  type ResolvedApp,
  type StackOutputs,
} from '@berthjs/config';
import { ago, clusterOf, day2Region, deployedEnvironment, type Day2Clients, type Day2Runtime } from './day2';
import { latestDeployment } from './phases';
import { describeServices } from './stack';

/** How far back `berth status` looks for a service's newest ECS service deployment. */
const PHASE_WINDOW_MS = 90 * 86_400_000;

export interface ServiceStatus {
  readonly name: string;
  readonly ecsName: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  /** Each deployment: PRIMARY/ACTIVE, its rollout state and reason, revision, and tasks. */
  readonly deployments: readonly {
    readonly status: string;
    readonly rolloutState?: string;
    readonly rolloutStateReason?: string;
    readonly revision?: number;
    readonly running: number;
    readonly desired: number;
  }[];
  readonly revision?: number;
  readonly imageTag?: string;
  /** CANARY, LINEAR or BLUE_GREEN, and where ECS's newest service deployment stands (`baking`, `complete`…). */
  readonly strategy?: string;
  readonly phase?: string;
  /** The newest stopped task's reason and container exit, when the service is short of tasks (crash loop). */
  readonly lastStopped?: StoppedTask;
}

export interface StoppedTask {
  readonly taskId: string;
  readonly stoppedAt?: string;
  readonly stoppedReason?: string;
  readonly exitCode?: number;
  readonly containerReason?: string;
}

export interface JobStatus {
  readonly name: string;
  readonly family: string;
  readonly running: number;
  /** The newest run ECS still knows (stopped tasks stay visible for about an hour). */
  readonly lastRun?: StoppedTask & { readonly startedAt?: string };
  /** When the job last wrote a log line, from its log streams: older runs than ECS remembers. */
  readonly lastLogAt?: string;
}

export interface StatusReport {
  readonly app: string;
  readonly stage: string;
  readonly region: string;
  readonly account: string;
  readonly stack: { readonly name: string; readonly status: string };
  readonly outputs: StackOutputs;
  readonly services: readonly ServiceStatus[];
  readonly alarms: { readonly total: number; readonly firing: readonly { name: string; reason?: string }[] };
  readonly jobs: readonly JobStatus[];
  readonly database?: {
    readonly identifier: string;
    readonly kind: string;
    readonly status: string;
    readonly engineVersion?: string;
    readonly endpoint?: string;
  };
}

export interface StatusOptions {
  readonly resolved: ResolvedApp;
  readonly region?: string;
  /** The pilot-light standby's stack (`<app>-<stage>-standby`, in standby.region) instead of the app's. */
  readonly standby?: boolean;
}

/**
 * The environment now: each service's tasks, deployments and image, the stack's alarms that are in ALARM, each
 * job's last run, the database's state. Everything is found from the stack (outputs and ListStackResources).
 */
export async function status(options: StatusOptions, rt: Day2Runtime): Promise<StatusReport> {
  const { resolved } = options;
  const clients = rt.clients(day2Region(resolved, options));
  const env = await deployedEnvironment(clients, resolved, options.standby ? 'standby' : 'app');
  rt.progress(`${env.stackName} (${env.stackStatus}) in ${env.region}, account ${env.account}`);
  const cluster = clusterOf(env, resolved.stage);
  const resources = await stackResources(clients, env.stackName);
  const of = (type: string) =>
    resources
      .filter((r) => r.ResourceType === type && r.PhysicalResourceId)
      .map((r) => r.PhysicalResourceId!);

  const services = await describeServices(clients, cluster, of('AWS::ECS::Service'));
  const serviceStatus = await Promise.all(
    services.map((s) => serviceStatusOf(clients, cluster, s, resolved, rt.now(), !!options.standby)),
  );

  const alarmNames = of('AWS::CloudWatch::Alarm');
  const alarms = await firingAlarms(clients, alarmNames);

  const jobFamilies = of('AWS::ECS::TaskDefinition')
    .map((arn) => parseTaskDefinitionArn(arn).family)
    .filter((f) => f.startsWith(`${env.stackName}-job-`));
  const jobs: JobStatus[] = [];
  for (const family of jobFamilies) {
    const name = family.slice(`${env.stackName}-job-`.length);
    jobs.push(await jobStatusOf(clients, cluster, family, name, env.outputs));
  }

  const database = await databaseStatus(clients, env.outputs);
  return {
    app: resolved.app,
    stage: resolved.stage,
    region: env.region,
    account: env.account,
    stack: { name: env.stackName, status: env.stackStatus },
    outputs: env.outputs,
    services: serviceStatus,
    alarms,
    jobs,
    ...(database ? { database } : {}),
  };
}

/** Every resource of the stack (ListStackResources pages; DescribeStackResources stops at 100). */
export async function stackResources(clients: Day2Clients, stack: string): Promise<StackResourceSummary[]> {
  const out: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cfn.send(
      new ListStackResourcesCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) }),
    );
    out.push(...(page.StackResourceSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function serviceStatusOf(
  clients: Day2Clients,
  cluster: string,
  s: Service,
  resolved: ResolvedApp,
  nowMs: number,
  standby = false,
): Promise<ServiceStatus> {
  const { family, revision } = parseTaskDefinitionArn(s.taskDefinition ?? '');
  const td = s.taskDefinition
    ? (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition })))
        .taskDefinition
    : undefined;
  // The standby's families are `<app>-<stage>-standby-<service>`.
  const service = serviceOfFamily(resolved, family);
  const name = (standby ? service?.replace(/^standby-/, '') : service) ?? s.serviceName ?? family;
  const image = (td?.containerDefinitions?.find((c) => c.name === name) ?? td?.containerDefinitions?.[0])
    ?.image;
  const desired = s.desiredCount ?? 0;
  const running = s.runningCount ?? 0;
  const lastStopped =
    running < desired ? await newestStopped(clients, cluster, { serviceName: s.serviceName }) : undefined;
  // Canary, linear, blue/green: ECS's service-deployment API says which phase the newest deployment is in.
  const strategy = s.deploymentConfiguration?.strategy;
  const shifting = strategy && strategy !== 'ROLLING' && s.serviceArn ? strategy : undefined;
  const phase = shifting
    ? await latestDeployment(clients, cluster, s.serviceArn!, new Date(nowMs - PHASE_WINDOW_MS))
    : undefined;
  return {
    name,
    ecsName: s.serviceName ?? '',
    desired,
    running,
    pending: s.pendingCount ?? 0,
    deployments: (s.deployments ?? []).map((d) => ({
      status: d.status ?? 'UNKNOWN',
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
      ...(d.taskDefinition ? { revision: parseTaskDefinitionArn(d.taskDefinition).revision } : {}),
      running: d.runningCount ?? 0,
      desired: d.desiredCount ?? 0,
    })),
    ...(Number.isFinite(revision) ? { revision } : {}),
    ...(image ? { imageTag: tagOf(image) } : {}),
    ...(shifting ? { strategy: shifting } : {}),
    ...(phase ? { phase: phase.summary } : {}),
    ...(lastStopped ? { lastStopped: stopped(lastStopped) } : {}),
  };
}

/** `…/talent/api:abc1234` → `abc1234`; `…@sha256:…` → the digest. */
export function tagOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** The newest STOPPED task of a service or family (ECS keeps them about an hour). */
export async function newestStopped(
  clients: Day2Clients,
  cluster: string,
  filter: { serviceName?: string; family?: string },
): Promise<Task | undefined> {
  const arns =
    (
      await clients.ecs.send(
        new ListTasksCommand({ cluster, desiredStatus: 'STOPPED', maxResults: 100, ...filter }),
      )
    ).taskArns ?? [];
  if (!arns.length) return undefined;
  const tasks =
    (await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) }))).tasks ?? [];
  const time = (t: Task) => (t.stoppedAt ?? t.createdAt)?.getTime() ?? 0;
  return [...tasks].sort((a, b) => time(b) - time(a))[0];
}

function stopped(t: Task): StoppedTask & { startedAt?: string } {
  const c = t.containers?.[0];
  return {
    taskId: (t.taskArn ?? '').split('/').pop() ?? '',
    ...(t.startedAt ? { startedAt: t.startedAt.toISOString() } : {}),
    ...(t.stoppedAt ? { stoppedAt: t.stoppedAt.toISOString() } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(c?.exitCode !== undefined && c.exitCode !== null ? { exitCode: c.exitCode } : {}),
    ...(c?.reason ? { containerReason: c.reason } : {}),
  };
}

async function firingAlarms(clients: Day2Clients, names: readonly string[]): Promise<StatusReport['alarms']> {
  const firing: { name: string; reason?: string }[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const page = await clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), MaxRecords: 100 }),
    );
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])])
      if (a.StateValue === 'ALARM')
        firing.push({ name: a.AlarmName ?? '', ...(a.StateReason ? { reason: a.StateReason } : {}) });
  }
  return { total: names.length, firing };
}

async function jobStatusOf(
  clients: Day2Clients,
  cluster: string,
  family: string,
  name: string,
  outputs: StackOutputs,
): Promise<JobStatus> {
  const running =
    (await clients.ecs.send(new ListTasksCommand({ cluster, family, desiredStatus: 'RUNNING' }))).taskArns
      ?.length ?? 0;
  const last = await newestStopped(clients, cluster, { family });
  const group = outputs[OUTPUT_KEYS.jobLogGroup(name)];
  const prefix = outputs[OUTPUT_KEYS.jobLogStreamPrefix(name)];
  const lastLogAt = group && prefix ? await lastLogTime(clients, group, `${prefix}/`) : undefined;
  return {
    name,
    family,
    running,
    ...(last ? { lastRun: stopped(last) } : {}),
    ...(lastLogAt ? { lastLogAt } : {}),
  };
}

/** The newest event time of the streams with this prefix (DescribeLogStreams cannot order by time with a prefix). */
async function lastLogTime(clients: Day2Clients, group: string, prefix: string): Promise<string | undefined> {
  let newest = 0;
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await clients.logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: group,
        logStreamNamePrefix: prefix,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    for (const s of res.logStreams ?? []) newest = Math.max(newest, s.lastEventTimestamp ?? 0);
    token = res.nextToken;
    if (!token) break;
  }
  return newest ? new Date(newest).toISOString() : undefined;
}

async function databaseStatus(
  clients: Day2Clients,
  outputs: StackOutputs,
): Promise<StatusReport['database']> {
  const identifier = outputs[OUTPUT_KEYS.databaseIdentifier];
  if (!identifier) return undefined;
  const kind = outputs[OUTPUT_KEYS.databaseKind] ?? 'instance';
  if (kind === 'cluster') {
    const c = (await clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })))
      .DBClusters?.[0];
    return {
      identifier,
      kind,
      status: c?.Status ?? 'unknown',
      ...(c?.EngineVersion ? { engineVersion: c.EngineVersion } : {}),
      ...(c?.Endpoint ? { endpoint: c.Endpoint } : {}),
    };
  }
  const i = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })))
    .DBInstances?.[0];
  return {
    identifier,
    kind,
    status: i?.DBInstanceStatus ?? 'unknown',
    ...(i?.EngineVersion ? { engineVersion: i.EngineVersion } : {}),
    ...(i?.Endpoint?.Address ? { endpoint: i.Endpoint.Address } : {}),
  };
}

/** The report as lines for a terminal. */
export function renderStatus(r: StatusReport, nowMs: number): string[] {
  const lines = [
    `${r.app} · ${r.stage} — stack ${r.stack.name} ${r.stack.status} (${r.region})`,
    '',
    'services',
  ];
  for (const s of r.services) {
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    const rollout = primary?.rolloutState ? ` ${primary.rolloutState}` : '';
    const others = s.deployments.length > 1 ? ` (+${s.deployments.length - 1} deployment in progress)` : '';
    const phase = s.strategy ? ` · ${s.strategy.toLowerCase()}: ${s.phase ?? 'no deployment yet'}` : '';
    lines.push(
      `  ${s.name}: ${s.running}/${s.desired} running, ${s.pending} pending · rev ${s.revision ?? '?'} · image ${s.imageTag ?? '?'} ·${rollout || ' no deployment'}${others}${phase}`,
    );
    if (primary?.rolloutStateReason && primary.rolloutState !== 'COMPLETED')
      lines.push(`    ${primary.rolloutStateReason}`);
    if (s.lastStopped)
      lines.push(
        `    last stopped task ${s.lastStopped.taskId}: ${s.lastStopped.stoppedReason ?? 'no reason'}${s.lastStopped.exitCode !== undefined ? ` (exit ${s.lastStopped.exitCode})` : ''}${s.lastStopped.containerReason ? ` — ${s.lastStopped.containerReason}` : ''}`,
      );
  }
  lines.push('', `alarms: ${r.alarms.firing.length} of ${r.alarms.total} in ALARM`);
  for (const a of r.alarms.firing) lines.push(`  ALARM ${a.name}${a.reason ? `: ${a.reason}` : ''}`);
  if (r.jobs.length) lines.push('', 'jobs');
  for (const j of r.jobs) {
    const run = j.lastRun;
    const when = run?.stoppedAt ? ago(Date.parse(run.stoppedAt), nowMs) : undefined;
    const result = run
      ? run.exitCode === undefined
        ? `did not run: ${run.stoppedReason ?? 'no reason'}`
        : `exit ${run.exitCode}`
      : undefined;
    const logAt = j.lastLogAt ? `last log line ${ago(Date.parse(j.lastLogAt), nowMs)}` : 'no log yet';
    lines.push(
      `  ${j.name}: ${j.running ? `${j.running} running · ` : ''}${run ? `last run ${when ?? ''} ${result}` : `no run in the last hour (${logAt})`}`,
    );
  }
  if (r.database)
    lines.push(
      '',
      `database ${r.database.identifier}: ${r.database.status}${r.database.engineVersion ? ` · PostgreSQL ${r.database.engineVersion}` : ''}`,
    );
  return lines;
}
