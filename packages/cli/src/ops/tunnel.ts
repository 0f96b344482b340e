import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { StartSessionCommand } from '@aws-sdk/client-ssm';
import { OUTPUT_KEYS, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { day2Region, deployedEnvironment, requireOutput, type Day2Clients, type Day2Runtime } from './day2';
import { pluginArgs, requirePlugin } from './session';

export type TunnelTarget = 'database' | 'cache';

/** SSM's document that forwards a local port through an instance to a host it reaches. */
export const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost';

export interface TunnelOptions {
  readonly resolved: ResolvedApp;
  readonly target: TunnelTarget;
  /** Local port. @default - the remote port + 10000 (15432, 16379): clear of a local PostgreSQL or Redis */
  readonly port?: number;
  readonly region?: string;
  /** The pilot-light standby (`<app>-<stage>-standby`, in standby.region): refused, it has no bastion. */
  readonly standby?: boolean;
}

export interface TunnelPlan {
  readonly bastion: string;
  readonly host: string;
  readonly remotePort: number;
  readonly localPort: number;
  /** The ready command, credentials included (stdout only). */
  readonly command: string;
}

/**
 * A local port forwarded through the environment's bastion to the database or cache (SSM port forwarding, the
 * bastion and endpoint from the stack's outputs). Prints a ready `psql`/`redis-cli` command with the credentials
 * from the secret to stdout, then runs the session-manager-plugin until Ctrl-C. Resolves with the plugin's code.
 */
export async function tunnel(options: TunnelOptions, rt: Day2Runtime): Promise<number> {
  const { resolved, target } = options;
  if (target !== 'database' && target !== 'cache')
    throw new CliError(`berth tunnel ${target}: expected database or cache`, EXIT.invalid);
  if (!resolved[target])
    throw new CliError(`${resolved.app} declares no ${target}: there is nothing to tunnel to.`, EXIT.invalid);
  const region = day2Region(resolved, options);
  if (options.standby)
    // The pilot-light stack (infra constructs/pilot-light.ts) builds no bastion, so nothing in the standby's VPC
    // forwards a port; its stack has no BastionInstanceId output.
    throw new CliError(
      `${resolved.app} ${resolved.stage}'s standby in ${region} has no bastion: the pilot light builds none, so nothing in its VPC forwards a port to the standby ${target}. Use 'berth tunnel ${target} --env ${resolved.stage}' (the primary), 'berth exec <service> --env ${resolved.stage} --standby' into a standby task, or 'berth status --env ${resolved.stage} --standby' for the standby database's state.`,
      EXIT.failed,
    );
  if (!resolved.bastion)
    throw new CliError(
      `${resolved.app} ${resolved.stage} has no bastion, so nothing in the VPC forwards a port. Add bastion: {} (an SSM-only t4g.nano, ~$3/month; for this environment only: environments.${resolved.stage}.overrides.bastion) and run 'berth deploy --env ${resolved.stage}'; or use 'berth exec' into a service.`,
      EXIT.failed,
    );
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port > 0 && options.port < 65536)
  )
    throw new CliError(`--port ${options.port}: expected a port number 1–65535`, EXIT.invalid);
  const plugin = await requirePlugin(rt);
  const clients = rt.clients(region);
  const env = await deployedEnvironment(clients, resolved);
  const need = (key: string, what: string) => requireOutput(env, key, what, resolved.stage);
  const bastion = need(OUTPUT_KEYS.bastionInstanceId, 'the bastion instance');
  const host = need(
    target === 'database' ? OUTPUT_KEYS.databaseEndpoint : OUTPUT_KEYS.cacheEndpoint,
    `the ${target} endpoint`,
  );
  const remotePort = Number(
    need(target === 'database' ? OUTPUT_KEYS.databasePort : OUTPUT_KEYS.cachePort, `the ${target} port`),
  );
  const localPort = options.port ?? remotePort + 10_000;

  const command =
    target === 'database'
      ? await psqlCommand(
          clients,
          need(OUTPUT_KEYS.databaseSecretArn, 'the database secret'),
          env.outputs,
          localPort,
        )
      : await redisCommand(clients, env.outputs, host, localPort);

  const request = {
    Target: bastion,
    DocumentName: PORT_FORWARDING_DOCUMENT,
    Parameters: { host: [host], portNumber: [String(remotePort)], localPortNumber: [String(localPort)] },
  };
  let session;
  try {
    session = await clients.ssm.send(new StartSessionCommand(request));
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TargetNotConnected')
      throw new CliError(
        `The bastion ${bastion} is not connected to Systems Manager (${e.message}): it may be stopped or still starting, or lack its route to SSM. Check it in the EC2 console; a deploy re-creates it if it was removed.`,
        EXIT.failed,
      );
    if (e.name === 'AccessDeniedException')
      throw new CliError(
        `Not allowed to start an SSM session on ${bastion}: ${e.message}. The operator policy in docs/operate.md lists ssm:StartSession on the bastion and the ${PORT_FORWARDING_DOCUMENT} document.`,
        EXIT.failed,
      );
    throw err;
  }
  if (!session.SessionId || !session.StreamUrl || !session.TokenValue)
    throw new CliError(`SSM StartSession returned no session for ${bastion}`, EXIT.failed);

  rt.progress(
    `${target}: 127.0.0.1:${localPort} → ${host}:${remotePort} through bastion ${bastion} (Ctrl-C to close)`,
  );
  // Credentials go to stdout only, never to the progress stream: the user asked for them.
  rt.out(command);
  const result = await rt.spawn(
    plugin,
    pluginArgs({
      session: { SessionId: session.SessionId, StreamUrl: session.StreamUrl, TokenValue: session.TokenValue },
      region,
      profile: rt.env.AWS_PROFILE ?? '',
      request,
      endpoint: `https://ssm.${region}.amazonaws.com`,
    }),
  );
  return result.code;
}

async function secretString(clients: Day2Clients, arn: string): Promise<string> {
  try {
    const value = (await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    if (value === undefined) throw new CliError(`Secret ${arn} has no string value`, EXIT.failed);
    return value;
  } catch (err) {
    if ((err as Error).name === 'AccessDeniedException')
      throw new CliError(
        `Not allowed to read ${arn} (${(err as Error).message}): the tunnel prints credentials from it; the operator policy in docs/operate.md lists secretsmanager:GetSecretValue on it.`,
        EXIT.failed,
      );
    throw err;
  }
}

/** `psql "postgresql://user:password@127.0.0.1:15432/db?sslmode=require"` from the database secret. */
async function psqlCommand(
  clients: Day2Clients,
  secretArn: string,
  outputs: Readonly<Record<string, string>>,
  localPort: number,
): Promise<string> {
  const secret = JSON.parse(await secretString(clients, secretArn)) as {
    username?: string;
    password?: string;
    dbname?: string;
  };
  const user = encodeURIComponent(secret.username ?? 'berth');
  const password = encodeURIComponent(secret.password ?? '');
  const db = encodeURIComponent(secret.dbname ?? outputs[OUTPUT_KEYS.databaseName] ?? 'postgres');
  // sslmode=require: encrypted, without checking the name (the certificate names the RDS endpoint, not 127.0.0.1).
  return `psql "postgresql://${user}:${password}@127.0.0.1:${localPort}/${db}?sslmode=require"`;
}

/** `redis-cli -h 127.0.0.1 -p 16379` with --tls, --sni and the AUTH token where the cache has TLS. */
async function redisCommand(
  clients: Day2Clients,
  outputs: Readonly<Record<string, string>>,
  host: string,
  localPort: number,
): Promise<string> {
  const base = `redis-cli -h 127.0.0.1 -p ${localPort}`;
  if (outputs[OUTPUT_KEYS.cacheTls] !== 'true') return base;
  const arn = outputs[OUTPUT_KEYS.cacheAuthSecretArn];
  const token = arn ? await secretString(clients, arn) : undefined;
  const quoted = token === undefined ? '' : ` --no-auth-warning -a '${token.replace(/'/g, `'\\''`)}'`;
  return `${base} --tls --sni ${host}${quoted}`;
}
