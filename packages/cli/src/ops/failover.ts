import {
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand, type DBInstance } from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  StopReplicationToReplicaCommand,
} from '@aws-sdk/client-secrets-manager';
import { OUTPUT_KEYS, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import {
  clusterOf,
  day2Region,
  deployedEnvironment,
  requireOutput,
  type Day2Clients,
  type Day2Runtime,
  type DeployedEnvironment,
} from './day2';

/** The standby stack's parameter that points its tasks' PGHOST at the promoted database (constructs/pilot-light.ts). */
const WRITER = 'DatabaseWriter';

export interface FailoverOptions {
  readonly resolved: ResolvedApp;
  /** Confirmed: the database promotion cannot be undone. */
  readonly yes: boolean;
}

/** One step of the failover and what it found or did. */
export interface FailoverStep {
  readonly step: 'promote database' | 'point tasks at it' | 'point the secret at it' | 'scale services';
  readonly done: 'now' | 'already';
  readonly detail: string;
}

export interface FailoverReport {
  readonly app: string;
  readonly stage: string;
  readonly region: string;
  readonly stackName: string;
  readonly steps: readonly FailoverStep[];
}

/**
 * The pilot-light runbook's failover (docs/runbooks/pilot-light.md, "Fail over", steps 1–3) against the standby
 * region only, so it works with the primary region down:
 * 1. promote the standby's RDS read replica (PromoteReadReplica, keeping the config's backup retention) and wait
 *    until it is available;
 * 2. set the standby stack's `DatabaseWriter` parameter to `promoted` (UpdateStack with the previous template and
 *    every other parameter's previous value) and wait for the update: the tasks' PGHOST becomes the promoted
 *    database;
 * 3. promote the database secret's replica in the standby region to a standalone secret (StopReplicationToReplica:
 *    a replica cannot be written) and set its `host` to the promoted endpoint; the value is never printed;
 * 4. scale each standby service to the primary's task count (its scaling minimum) and wait until they run.
 * Each step looks first and skips what is already done, so a failover that stopped half-way is run again to finish.
 * Aurora's global-database failover is not automated (a managed switchover or a failover with data loss is a
 * choice): the command refuses with the runbook's command.
 */
export async function failover(options: FailoverOptions, rt: Day2Runtime): Promise<FailoverReport> {
  const { resolved } = options;
  const region = day2Region(resolved, { standby: true });
  const clients = rt.clients(region);
  const standby = await deployedEnvironment(clients, resolved, 'standby');
  const kind = requireOutput(standby, OUTPUT_KEYS.databaseKind, 'the database kind', resolved.stage);
  const identifier = requireOutput(
    standby,
    OUTPUT_KEYS.databaseIdentifier,
    "the standby's database",
    resolved.stage,
  );
  if (kind !== 'instance')
    throw new CliError(
      `${standby.stackName}'s database is an Aurora secondary cluster (${identifier}): fail the global database over with 'aws rds failover-global-cluster --global-cluster-identifier ${resolved.app}-${resolved.stage} --target-db-cluster-identifier <arn of ${identifier}> --allow-data-loss' (or a managed switchover when the primary region is up), then steps 2–3 of docs/runbooks/pilot-light.md ("Fail over"): berth failover automates an RDS standby only.`,
      EXIT.failed,
    );
  if (!options.yes)
    throw new CliError(
      `berth failover promotes ${identifier} in ${region} to a standalone database: it stops replicating from the primary and that cannot be undone. Pass --yes to go ahead.`,
      EXIT.invalid,
    );

  const steps: FailoverStep[] = [];
  const step = (s: FailoverStep) => {
    steps.push(s);
    rt.progress(`${s.done === 'now' ? '✓' : '·'} ${s.step}: ${s.detail}`);
  };
  const db = await promoteReplica(clients, identifier, resolved, rt, step);
  await pointTasks(clients, standby, rt, step);
  await pointSecret(clients, await standbySecretArn(clients, standby, resolved), db, rt, step);
  await scaleServices(clients, standby, resolved, rt, step);
  return { app: resolved.app, stage: resolved.stage, region, stackName: standby.stackName, steps };
}

async function describeInstance(clients: Day2Clients, identifier: string): Promise<DBInstance> {
  const found = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })))
    .DBInstances?.[0];
  if (!found)
    throw new CliError(`RDS instance ${identifier} was not found in ${clients.region}`, EXIT.failed);
  return found;
}

/** Polls until `ready` holds, printing `waiting` each time it does not; fails after the runtime's timeout. */
async function until<T>(
  rt: Day2Runtime,
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  waiting: (value: T) => string,
  what: string,
): Promise<T> {
  const deadline = rt.now() + rt.steadyTimeoutMs;
  for (let polls = 0; ; polls++) {
    const value = await read();
    if (ready(value)) return value;
    if (rt.now() > deadline || polls * Math.max(rt.pollMs, 1) > rt.steadyTimeoutMs)
      throw new CliError(`Gave up waiting for ${what}: ${waiting(value)}`, EXIT.failed);
    rt.progress(`  … ${waiting(value)}`);
    await rt.sleep(rt.pollMs);
  }
}

async function promoteReplica(
  clients: Day2Clients,
  identifier: string,
  resolved: ResolvedApp,
  rt: Day2Runtime,
  step: (s: FailoverStep) => void,
): Promise<DBInstance> {
  const before = await describeInstance(clients, identifier);
  if (before.ReadReplicaSourceDBInstanceIdentifier) {
    if (before.DBInstanceStatus !== 'available')
      throw new CliError(
        `${identifier} is ${before.DBInstanceStatus}; RDS promotes a replica only when it is available. Run berth failover again once it is.`,
        EXIT.failed,
      );
    await clients.rds.send(
      new PromoteReadReplicaCommand({
        DBInstanceIdentifier: identifier,
        // RDS's default for a promoted replica is 1 day; the config's retention is what the primary had.
        BackupRetentionPeriod: resolved.database?.backupRetention ?? 7,
      }),
    );
  }
  const promoted = await until(
    rt,
    () => describeInstance(clients, identifier),
    (i) => !i.ReadReplicaSourceDBInstanceIdentifier && i.DBInstanceStatus === 'available',
    (i) =>
      `${identifier} is ${i.DBInstanceStatus}${i.ReadReplicaSourceDBInstanceIdentifier ? ', still a replica' : ''}`,
    `${identifier} to be promoted`,
  );
  step({
    step: 'promote database',
    done: before.ReadReplicaSourceDBInstanceIdentifier ? 'now' : 'already',
    detail: `${identifier} is a standalone database at ${promoted.Endpoint?.Address ?? '(no endpoint)'}`,
  });
  return promoted;
}

async function describeStack(clients: Day2Clients, name: string): Promise<Stack> {
  const stack = (await clients.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  if (!stack) throw new CliError(`Stack ${name} is gone from ${clients.region}`, EXIT.failed);
  return stack;
}

async function pointTasks(
  clients: Day2Clients,
  standby: DeployedEnvironment,
  rt: Day2Runtime,
  step: (s: FailoverStep) => void,
): Promise<void> {
  const stack = await describeStack(clients, standby.stackName);
  const params = stack.Parameters ?? [];
  if (!params.some((p) => p.ParameterKey === WRITER))
    throw new CliError(
      `Stack ${standby.stackName} has no ${WRITER} parameter: it was deployed by an older Berth. Deploy it once with this version before a failover is needed.`,
      EXIT.failed,
    );
  if (params.find((p) => p.ParameterKey === WRITER)?.ParameterValue === 'promoted') {
    step({ step: 'point tasks at it', done: 'already', detail: `${WRITER} is promoted` });
    return;
  }
  const parameters: Parameter[] = params.map((p) =>
    p.ParameterKey === WRITER
      ? { ParameterKey: WRITER, ParameterValue: 'promoted' }
      : { ParameterKey: p.ParameterKey!, UsePreviousValue: true },
  );
  await clients.cfn.send(
    new UpdateStackCommand({
      StackName: standby.stackName,
      UsePreviousTemplate: true,
      Parameters: parameters,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  const done = await until(
    rt,
    () => describeStack(clients, standby.stackName),
    (s) => !/_IN_PROGRESS$/.test(s.StackStatus ?? ''),
    (s) => `${standby.stackName} is ${s.StackStatus}`,
    `${standby.stackName} to update`,
  );
  if (done.StackStatus !== 'UPDATE_COMPLETE')
    throw new CliError(
      `Updating ${standby.stackName} (${WRITER}=promoted) ended ${done.StackStatus}: ${done.StackStatusReason ?? 'see its events in the CloudFormation console'}. The database is promoted; fix the cause and run berth failover again.`,
      EXIT.failed,
    );
  step({ step: 'point tasks at it', done: 'now', detail: `${WRITER} set to promoted` });
}

/**
 * The database secret the standby's tasks read (`DATABASE_SECRET_ARN` in a standby service's task definition: the
 * replica's ARN in this region), read in this region so a failover needs nothing from the primary's.
 */
async function standbySecretArn(
  clients: Day2Clients,
  standby: DeployedEnvironment,
  resolved: ResolvedApp,
): Promise<string | undefined> {
  const cluster = clusterOf(standby, resolved.stage);
  for (const service of Object.values(resolved.services)) {
    const name = standby.outputs[OUTPUT_KEYS.serviceName(service.name)];
    if (!name) continue;
    const found = (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [name] })))
      .services?.[0];
    if (!found?.taskDefinition) continue;
    const td = (
      await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: found.taskDefinition }))
    ).taskDefinition;
    for (const c of td?.containerDefinitions ?? [])
      for (const e of c.environment ?? []) if (e.name === 'DATABASE_SECRET_ARN' && e.value) return e.value;
  }
  return undefined;
}

async function pointSecret(
  clients: Day2Clients,
  secretId: string | undefined,
  db: DBInstance,
  rt: Day2Runtime,
  step: (s: FailoverStep) => void,
): Promise<void> {
  const host = db.Endpoint?.Address;
  if (!host)
    throw new CliError(
      `${db.DBInstanceIdentifier} has no endpoint yet: run berth failover again`,
      EXIT.failed,
    );
  if (!secretId)
    throw new CliError(
      "No standby service's task definition names DATABASE_SECRET_ARN: set the secret's host by hand (docs/runbooks/pilot-light.md, Fail over, step 2), then run berth failover again to scale the services.",
      EXIT.failed,
    );
  const described = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const replica = !!described.PrimaryRegion && described.PrimaryRegion !== clients.region;
  if (replica) {
    await clients.secrets.send(new StopReplicationToReplicaCommand({ SecretId: secretId }));
    rt.progress(`  … ${secretId} is now a standalone secret in ${clients.region}`);
  }
  const current = await clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(current.SecretString ?? '') as Record<string, unknown>;
  } catch {
    throw new CliError(
      `The database secret ${secretId} does not hold JSON (host, port, username, password): set its host to ${host} by hand.`,
      EXIT.failed,
    );
  }
  if (value.host === host && !replica) {
    step({ step: 'point the secret at it', done: 'already', detail: `its host is ${host}` });
    return;
  }
  await clients.secrets.send(
    new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...value, host }) }),
  );
  step({
    step: 'point the secret at it',
    done: 'now',
    detail: `${replica ? 'promoted to a standalone secret; ' : ''}host ${String(value.host ?? '(none)')} → ${host}`,
  });
}

async function scaleServices(
  clients: Day2Clients,
  standby: DeployedEnvironment,
  resolved: ResolvedApp,
  rt: Day2Runtime,
  step: (s: FailoverStep) => void,
): Promise<void> {
  const cluster = clusterOf(standby, resolved.stage);
  for (const service of Object.values(resolved.services)) {
    const name = requireOutput(
      standby,
      OUTPUT_KEYS.serviceName(service.name),
      `service ${service.name}`,
      resolved.stage,
    );
    const count = service.scaling ? service.scaling.min : service.desiredCount;
    const describe = async () =>
      (await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))).services?.[0];
    const before = await describe();
    if ((before?.desiredCount ?? 0) < count)
      await clients.ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: count }));
    await until(
      rt,
      describe,
      (s) => (s?.runningCount ?? 0) >= count,
      (s) => `${service.name}: ${s?.runningCount ?? 0} of ${count} tasks running`,
      `service ${service.name} to run ${count} tasks`,
    );
    step({
      step: 'scale services',
      done: (before?.desiredCount ?? 0) < count ? 'now' : 'already',
      detail: `${service.name} runs ${count} task${count === 1 ? '' : 's'} in ${clients.region}`,
    });
  }
}
