import {
  contractFor,
  ENV,
  type ContractSource,
  type DatabaseSecret,
  type ResolvedApp,
} from '@berthjs/config';

export type { DatabaseSecret };

/** What `berth dev` started (or found) on this machine: the local value behind each kind of contract source. */
export interface LocalPeers {
  readonly database?: DatabaseSecret;
  /** The database secret's ARN in the local Secrets Manager, which rotation updates. */
  readonly databaseSecretArn?: string;
  readonly secretsManagerEndpoint?: string;
  /**
   * CACHE_URL with its credentials (`redis://:<password>@127.0.0.1:<port>`, as the cloud's `rediss://:<token>@…`), so
   * any client's `from_url` connects as is. Absent when there is no Redis: the runtime then uses its in-process cache.
   */
  readonly cacheUrl?: string;
  /** The password in that URL alone: CACHE_AUTH_TOKEN, where the contract names it. */
  readonly cachePassword?: string;
  readonly s3Endpoint?: string;
  readonly sesEndpoint?: string;
  /** The local SNS/SQS peer and its mail-events queue (bounces and complaints marked in the console). */
  readonly mailEvents?: { readonly endpoint: string; readonly queueUrl: string };
  /** Logical bucket name → the bucket created in s3rver. */
  readonly buckets: Readonly<Record<string, string>>;
  readonly oidc?: { readonly issuer: string; readonly jwksUrl: string };
  /** `.berth/secrets.json`: secret name → string or JSON object. */
  readonly secrets: Readonly<Record<string, unknown>>;
  /** This state's access key for the local S3 and SES peers (they refuse any other). */
  readonly aws?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The environment `berth dev` itself runs in, consulted for user secrets only. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
}

/** Where every service and peer listens locally. */
export const LOCAL_HOST = '127.0.0.1';

/** Credentials s3rver accepts by default; SES v2 local accepts any signature. */
export const LOCAL_CREDENTIALS = Object.freeze({
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
});

/** The OS basics a child needs to run at all (find `node`, a home, a locale). Nothing app-specific. */
const OS_BASICS = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'SYSTEMROOT',
  // How a developer runs node for their own processes (heap size, source maps, export conditions): a service run
  // by `berth dev` gets what `node` would get run by hand.
  'NODE_OPTIONS',
];

export interface LocalEnv {
  /** Exactly the contract (local values) plus the local endpoint and credential variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
}

/**
 * The environment a service's process gets from `berth dev`: the names ECS gives its task, each mapped from its
 * contract source to a local value. The only local-only names are the AWS endpoint and credential variables, which
 * the AWS SDK reads itself.
 */
export function localEnv(
  resolved: ResolvedApp,
  serviceName: string,
  peers: LocalPeers,
  port: number,
): LocalEnv {
  const contract = contractFor(resolved, serviceName);
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  for (const variable of contract.variables) {
    const value =
      variable.name === ENV.port
        ? String(port)
        : variable.name === ENV.host
          ? // Loopback only: the router is the one way in, as the ALB is in the cloud.
            LOCAL_HOST
          : localValue(variable.name, variable.source, peers, warnings);
    if (value !== undefined) env[variable.name] = value;
  }
  const service = resolved.services[serviceName]!;
  if (service.uses.buckets.length > 0 && peers.s3Endpoint) env[ENV.s3Endpoint] = peers.s3Endpoint;
  if (resolved.mail && service.uses.mail && peers.sesEndpoint) env[ENV.sesEndpoint] = peers.sesEndpoint;
  if (resolved.mail && service.uses.mail && peers.mailEvents)
    env[ENV.sqsEndpoint] = peers.mailEvents.endpoint;
  if (resolved.database && service.uses.database && peers.secretsManagerEndpoint)
    env[ENV.secretsManagerEndpoint] = peers.secretsManagerEndpoint;
  Object.assign(
    env,
    peers.aws
      ? { AWS_ACCESS_KEY_ID: peers.aws.accessKeyId, AWS_SECRET_ACCESS_KEY: peers.aws.secretAccessKey }
      : LOCAL_CREDENTIALS,
  );
  return { env: Object.freeze(env), warnings };
}

function localValue(
  name: string,
  source: ContractSource,
  peers: LocalPeers,
  warnings: string[],
): string | undefined {
  switch (source.kind) {
    case 'literal':
      return source.value;
    case 'database':
      if (!peers.database) return undefined;
      switch (source.attribute) {
        case 'secret':
          return JSON.stringify(peers.database);
        // The local Secrets Manager holds the same secret, so rotation is rehearsed as it happens in AWS.
        case 'secretArn':
          return peers.databaseSecretArn;
        case 'readHost':
        case 'host':
          return peers.database.host;
        case 'port':
          return String(peers.database.port);
        case 'dbname':
          return peers.database.dbname;
        case 'username':
          return peers.database.username;
        case 'password':
          return peers.database.password;
        case 'sslMode':
          // The embedded PostgreSQL has no TLS: libpq's default ('prefer') connects without it.
          return undefined;
      }
      return undefined;
    case 'cache':
      // The URL carries the password; CACHE_AUTH_TOKEN (in the contract with cache.tls) is the same password alone.
      // Without a Redis the runtime falls back to its in-process cache.
      return source.attribute === 'url' ? peers.cacheUrl : peers.cacheUrl && peers.cachePassword;
    case 'bucket':
      return peers.buckets[source.bucket];
    case 'mail':
      // SES v2 local has no configuration sets; bounce and complaint events come from the console, through the
      // local SNS topic into this queue.
      return source.attribute === 'eventsQueueUrl' ? peers.mailEvents?.queueUrl : undefined;
    case 'auth':
      if (!peers.oidc) return source.value;
      if (source.attribute === 'issuer') return peers.oidc.issuer;
      if (source.attribute === 'jwksUrl') return peers.oidc.jwksUrl;
      return source.value;
    case 'userSecret':
      return userSecret(name, source.secretName, source.jsonKey, peers, warnings);
  }
}

/** Precedence: the variable in berth's own environment, then `.berth/secrets.json`, else a warning. */
function userSecret(
  name: string,
  secretName: string,
  jsonKey: string | undefined,
  peers: LocalPeers,
  warnings: string[],
): string | undefined {
  const fromEnv = peers.processEnv[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const stored = peers.secrets[secretName];
  if (jsonKey === undefined) {
    if (typeof stored === 'string') return stored;
    if (stored && typeof stored === 'object') return JSON.stringify(stored);
  } else if (stored && typeof stored === 'object') {
    const value = (stored as Record<string, unknown>)[jsonKey];
    if (value !== undefined && value !== null)
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
  const where = jsonKey ? `{ "${secretName}": { "${jsonKey}": "…" } }` : `{ "${secretName}": "…" }`;
  warnings.push(
    `${name} (secret '${secretName}${jsonKey ? `:${jsonKey}` : ''}') has no local value: add ${where} to .berth/secrets.json or set ${name} when starting berth dev`,
  );
  return undefined;
}

/** The contract env plus the OS basics, for spawning. Nothing else from berth's own environment leaks in. */
export function processEnv(
  contract: Readonly<Record<string, string>>,
  parent: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of OS_BASICS) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  // Python buffers stdout when it is a pipe: without this, a Python service's output shows up late or never.
  env.PYTHONUNBUFFERED = '1';
  return Object.assign(env, contract);
}

/** The bucket name created in s3rver for a logical bucket: `<app>-<bucket>` (3–63 characters, lower case). */
export function localBucketName(app: string, bucket: string): string {
  return `${app}-${bucket}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .slice(0, 63);
}
