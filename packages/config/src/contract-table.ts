import {
  anyText,
  host,
  integer,
  matching,
  name,
  oneOf,
  region,
  secretArn,
  url,
  urlPath,
  type Parser,
} from './contract-parse';
import { DEFAULTS, PROFILE_NAMES } from './profiles';

/**
 * Where a variable's value is delivered from, as infra and `berth dev` interpret it:
 * - `plain`: plain env in the task definition and locally;
 * - `secret`: an ECS secret (Secrets Manager, optionally one JSON key) in the cloud, never plain env there;
 * - `local-only`: set by `berth dev` only (pointing the AWS SDKs at local peers); absent on ECS.
 */
export type Delivery = 'plain' | 'secret' | 'local-only';

/** Which part of the config makes a variable part of a service's contract. */
export type Needs = 'always' | 'database' | 'cache' | 'mail' | 'auth';

export interface ContractEntry<T = unknown> {
  readonly name: string;
  readonly delivery: Delivery;
  /** Reads the raw value; throws ContractValueError naming the variable. */
  readonly parse: Parser<T>;
  /** The raw value the runtime assumes when the variable is unset (or empty). */
  readonly default?: string;
  /** Part of the contract when the service uses this; the runtime refuses to start without a required one. */
  readonly needs: Needs;
  readonly required: boolean;
  /** A credential: delivered as a secret in the cloud and never logged. */
  readonly secret: boolean;
}

/** ECS `stopTimeout` bounds (seconds): https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html */
export const STOP_TIMEOUT = Object.freeze({ min: 2, max: 120 });

function entry<T>(e: Omit<ContractEntry<T>, 'secret'> & { secret?: boolean }): ContractEntry<T> {
  return Object.freeze({ ...e, secret: e.secret ?? e.delivery === 'secret' });
}

/**
 * The contract, one entry per variable: the only place a name, its parser and its default are written. `contractFor`
 * emits from it, infra and `berth dev` deliver it, the runtime's reader is a pass over it, and `berth check` holds
 * task definitions to it. Per-bucket variables (`BUCKET_<NAME>`) and a service's own `env`/`secrets` are families
 * around this table, not rows of it.
 */
export const CONTRACT = Object.freeze({
  app: entry({ name: 'BERTH_APP', delivery: 'plain', parse: name, needs: 'always', required: true }),
  service: entry({ name: 'BERTH_SERVICE', delivery: 'plain', parse: name, needs: 'always', required: true }),
  stage: entry({ name: 'BERTH_STAGE', delivery: 'plain', parse: name, needs: 'always', required: true }),
  /** Absent only when the stage is itself a profile name; the reader then takes the stage. */
  profile: entry({
    name: 'BERTH_PROFILE',
    delivery: 'plain',
    parse: oneOf(PROFILE_NAMES),
    needs: 'always',
    required: true,
  }),
  port: entry({ name: 'PORT', delivery: 'plain', parse: integer(1, 65535), needs: 'always', required: true }),
  /** The address to listen on: every interface in a task (the ALB reaches it), loopback under `berth dev`. */
  host: entry({
    name: 'HOST',
    delivery: 'plain',
    parse: matching(
      /^[0-9a-fA-F:.]+$|^localhost$/,
      'an IP address to listen on, such as 0.0.0.0 or 127.0.0.1',
    ),
    default: '0.0.0.0',
    needs: 'always',
    required: false,
  }),
  healthPath: entry({
    name: 'BERTH_HEALTH_PATH',
    delivery: 'plain',
    parse: urlPath,
    default: DEFAULTS.healthPath,
    needs: 'always',
    required: false,
  }),
  readyPath: entry({
    name: 'BERTH_READY_PATH',
    delivery: 'plain',
    parse: urlPath,
    default: DEFAULTS.readyPath,
    needs: 'always',
    required: false,
  }),
  stopTimeout: entry({
    name: 'BERTH_STOP_TIMEOUT',
    delivery: 'plain',
    parse: integer(STOP_TIMEOUT.min, STOP_TIMEOUT.max),
    default: String(DEFAULTS.stopTimeout),
    needs: 'always',
    required: false,
  }),
  region: entry({ name: 'AWS_REGION', delivery: 'plain', parse: region, needs: 'always', required: true }),
  /** What boto3 and AWS CLI v1 read (they ignore AWS_REGION for some clients): the same region. */
  defaultRegion: entry({
    name: 'AWS_DEFAULT_REGION',
    delivery: 'plain',
    parse: region,
    needs: 'always',
    required: false,
  }),
  /** The RDS/Secrets Manager secret JSON: { username, password, host, port, dbname } (DatabaseSecret). */
  databaseSecret: entry({
    name: 'DATABASE_SECRET',
    delivery: 'secret',
    parse: anyText,
    needs: 'database',
    required: true,
  }),
  /** ARN of that secret, so a process can re-read it after rotation. */
  databaseSecretArn: entry({
    name: 'DATABASE_SECRET_ARN',
    delivery: 'plain',
    parse: secretArn,
    needs: 'database',
    required: false,
  }),
  databaseReadHost: entry({
    name: 'DATABASE_READ_HOST',
    delivery: 'plain',
    parse: host,
    needs: 'database',
    required: false,
  }),
  // libpq's own variables (https://www.postgresql.org/docs/current/libpq-envars.html), so psycopg, psycopg2, psql
  // and most PostgreSQL clients connect with no arguments.
  pgHost: entry({ name: 'PGHOST', delivery: 'plain', parse: host, needs: 'database', required: true }),
  pgPort: entry({
    name: 'PGPORT',
    delivery: 'plain',
    parse: integer(1, 65535),
    needs: 'database',
    required: true,
  }),
  pgDatabase: entry({
    name: 'PGDATABASE',
    delivery: 'plain',
    parse: anyText,
    needs: 'database',
    required: true,
  }),
  pgUser: entry({ name: 'PGUSER', delivery: 'plain', parse: anyText, needs: 'database', required: true }),
  /** The rotated secret's `password` key: an ECS secret, never plain env. */
  pgPassword: entry({
    name: 'PGPASSWORD',
    delivery: 'secret',
    parse: anyText,
    needs: 'database',
    required: true,
  }),
  /** `require` in the cloud (TLS to RDS/Aurora); unset locally, where the embedded PostgreSQL has no TLS. */
  pgSslMode: entry({
    name: 'PGSSLMODE',
    delivery: 'plain',
    parse: oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']),
    needs: 'database',
    required: false,
  }),
  /**
   * A URL any Redis client uses as is (`redis.Redis.from_url`, `new Redis(url)`). With an AUTH token (cache.tls) it
   * carries it — `rediss://:<token>@host:6379`, the token percent-encoded — and is an ECS secret (the cache connection
   * secret's `url` key; see contract.ts SECRET_WHEN); without one, `redis://host:6379` in plain env. Under `berth dev`,
   * `redis://:<password>@127.0.0.1:<port>`: a Redis of the state folder's own.
   */
  cacheUrl: entry({
    name: 'CACHE_URL',
    delivery: 'plain',
    parse: url(['redis', 'rediss']),
    needs: 'cache',
    required: true,
  }),
  /** The token in CACHE_URL alone, from the same secret: for code written before CACHE_URL carried it. */
  cacheAuthToken: entry({
    name: 'CACHE_AUTH_TOKEN',
    delivery: 'secret',
    parse: anyText,
    needs: 'cache',
    required: false,
  }),
  mailFrom: entry({
    name: 'MAIL_FROM',
    delivery: 'plain',
    parse: matching(
      /^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/,
      'an address such as "Name <no-reply@example.com>"',
    ),
    needs: 'mail',
    required: true,
  }),
  /** Comma-separated addresses and @domains; absent in prod (everyone is sent). */
  mailAllowList: entry({
    name: 'MAIL_ALLOW_LIST',
    delivery: 'plain',
    parse: anyText,
    needs: 'mail',
    required: false,
  }),
  mailConfigurationSet: entry({
    name: 'MAIL_CONFIGURATION_SET',
    delivery: 'plain',
    parse: anyText,
    needs: 'mail',
    required: false,
  }),
  /**
   * The SQS queue SES bounce and complaint events reach (through SNS): the runtime drains it into the suppression
   * list. Absent where the app has no mail events queue; then nothing is drained.
   */
  mailEventsQueueUrl: entry({
    name: 'MAIL_EVENTS_QUEUE_URL',
    delivery: 'plain',
    parse: url(['https', 'http']),
    needs: 'mail',
    required: false,
  }),
  authIssuer: entry({
    name: 'AUTH_ISSUER',
    delivery: 'plain',
    parse: url(['https', 'http']),
    needs: 'auth',
    required: true,
  }),
  authAudience: entry({
    name: 'AUTH_AUDIENCE',
    delivery: 'plain',
    parse: anyText,
    needs: 'auth',
    required: true,
  }),
  authJwksUrl: entry({
    name: 'AUTH_JWKS_URL',
    delivery: 'plain',
    parse: url(['https', 'http']),
    needs: 'auth',
    required: true,
  }),
  // The AWS SDKs' service-specific endpoint variables (identifiers from
  // https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html): local peers only.
  s3Endpoint: entry({
    name: 'AWS_ENDPOINT_URL_S3',
    delivery: 'local-only',
    parse: url(['http', 'https']),
    needs: 'always',
    required: false,
  }),
  sesEndpoint: entry({
    name: 'AWS_ENDPOINT_URL_SESV2',
    delivery: 'local-only',
    parse: url(['http', 'https']),
    needs: 'mail',
    required: false,
  }),
  sqsEndpoint: entry({
    name: 'AWS_ENDPOINT_URL_SQS',
    delivery: 'local-only',
    parse: url(['http', 'https']),
    needs: 'mail',
    required: false,
  }),
  secretsManagerEndpoint: entry({
    name: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
    delivery: 'local-only',
    parse: url(['http', 'https']),
    needs: 'database',
    required: false,
  }),
});

export type ContractKey = keyof typeof CONTRACT;
