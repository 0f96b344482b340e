import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { OUTPUT_KEYS, stackName, type ResolvedApp, type StackOutputs } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { awsClients, callerIdentity, defaultRuntime, type AwsClients, type OpsRuntime } from './aws';

/** The clients of the day-2 commands (status, logs, exec, tunnel): the deploy's plus alarms, RDS, SSM, secrets. */
export interface Day2Clients extends AwsClients {
  readonly cloudwatch: CloudWatchClient;
  readonly rds: RDSClient;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
}

export function day2Clients(region: string): Day2Clients {
  return {
    ...awsClients(region),
    cloudwatch: new CloudWatchClient({ region }),
    rds: new RDSClient({ region }),
    ssm: new SSMClient({ region }),
    secrets: new SecretsManagerClient({ region }),
  };
}

/** What a child process (the session-manager-plugin) is given and how it ended. */
export interface SpawnResult {
  readonly code: number;
}

/** How the day-2 commands reach AWS, the terminal and other programs; tests replace each part. */
export interface Day2Runtime extends Omit<OpsRuntime, 'clients'> {
  readonly clients: (region: string) => Day2Clients;
  /** The full path of a program on PATH, or undefined (`command -v`). */
  readonly which: (program: string) => Promise<string | undefined>;
  /** Runs a program attached to this terminal, as the AWS CLI runs the plugin; resolves with its exit code. */
  readonly spawn: (program: string, args: readonly string[]) => Promise<SpawnResult>;
  /** The process's environment (AWS_PROFILE is handed to the plugin). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Now, in milliseconds (log windows, "last run 3 h ago"). */
  readonly now: () => number;
  /** Whether stdout is a terminal (colours). */
  readonly tty: boolean;
}

export async function defaultDay2Runtime(): Promise<Day2Runtime> {
  const { spawnAttached, which } = await import('./session');
  return {
    ...defaultRuntime(),
    clients: day2Clients,
    which,
    spawn: spawnAttached,
    env: process.env,
    now: () => Date.now(),
    tty: !!process.stdout.isTTY,
  };
}

/** A deployed environment as its stack's outputs describe it. */
export interface DeployedEnvironment {
  readonly stackName: string;
  readonly stackStatus: string;
  readonly region: string;
  readonly account: string;
  readonly outputs: StackOutputs;
}

/** Who we are (STS, with the missing-credentials message), refused when it is not the environment's account. */
export async function checkedIdentity(
  clients: Day2Clients,
  resolved: ResolvedApp,
): Promise<{ readonly account: string; readonly arn: string }> {
  const me = await callerIdentity(clients);
  if (resolved.account && me.account && me.account !== resolved.account)
    throw new CliError(
      `The credentials are for account ${me.account} (${me.arn}), but ${resolved.app} ${resolved.stage} lives in account ${resolved.account}: switch AWS_PROFILE to that account's profile.`,
      EXIT.failed,
    );
  return me;
}

/**
 * Who we are (STS, with the missing-credentials message), that we are in the environment's account, and the app
 * stack's outputs (CloudFormation DescribeStacks). Fails with what to do when the stack was never deployed, is
 * being created, or failed its creation.
 */
export async function deployedEnvironment(
  clients: Day2Clients,
  resolved: ResolvedApp,
  which: 'app' | 'standby' = 'app',
): Promise<DeployedEnvironment> {
  const me = await checkedIdentity(clients, resolved);
  const name = stackName(resolved, which);
  let stack: Stack | undefined;
  try {
    stack = (await clients.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (err) {
    if (!/does not exist/.test((err as Error).message ?? '')) throw err;
  }
  if (!stack)
    throw new CliError(
      `Stack ${name} does not exist in ${clients.region} (account ${me.account}): run 'berth deploy --env ${resolved.stage}' first, or pass --region if it was deployed elsewhere.`,
      EXIT.failed,
    );
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status === 'CREATE_IN_PROGRESS' || status === 'ROLLBACK_COMPLETE' || status === 'CREATE_FAILED')
    throw new CliError(
      `Stack ${name} is ${status}: it has never been deployed successfully. ${status === 'CREATE_IN_PROGRESS' ? 'Wait for the deploy to finish.' : `See its events in the CloudFormation console, then run 'berth deploy --env ${resolved.stage}' again.`}`,
      EXIT.failed,
    );
  const outputs: Record<string, string> = {};
  for (const o of stack.Outputs ?? [])
    if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
  return { stackName: name, stackStatus: status, region: clients.region, account: me.account, outputs };
}

/**
 * The region a day-2 command talks to: `--region`, else the pilot-light standby's (`--standby`), else the
 * environment's. `--standby` without a standby in this environment is refused, naming what to set.
 */
export function day2Region(resolved: ResolvedApp, options: { region?: string; standby?: boolean }): string {
  if (options.standby && !resolved.standby)
    throw new CliError(
      `${resolved.app} ${resolved.stage} has no pilot-light standby: --standby needs standby: { region } in the config (enabled in prod by default).`,
      EXIT.invalid,
    );
  return options.region ?? (options.standby ? resolved.standby!.region : resolved.region);
}

/** An output the command needs, or a CliError saying the stack predates it. */
export function requireOutput(env: DeployedEnvironment, key: string, what: string, stage: string): string {
  const value = env.outputs[key];
  if (value === undefined)
    throw new CliError(
      `Stack ${env.stackName} has no output ${key} (${what}): it was deployed by an older Berth. Run 'berth deploy --env ${stage}' once to add the runbook outputs.`,
      EXIT.failed,
    );
  return value;
}

/** The cluster's name, from the outputs. */
export function clusterOf(env: DeployedEnvironment, stage: string): string {
  return requireOutput(env, OUTPUT_KEYS.cluster, 'the ECS cluster', stage);
}

/** A Berth service or job name that is not in the config: exit 2 with the names there are. */
export function unknownName(kind: string, name: string, known: readonly string[]): CliError {
  return new CliError(
    `No ${kind} '${name}' in the config; declared: ${known.join(', ') || 'none'}`,
    EXIT.invalid,
  );
}

/** `1h`, `30m`, `2d`, `45s` → milliseconds; anything else is a usage error. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new CliError(
      `--since ${JSON.stringify(text)}: expected a duration such as 30m, 1h or 2d`,
      EXIT.invalid,
    );
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** `3 h ago`, `12 min ago`, `just now`. */
export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return s < 5 ? 'just now' : `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
