import {
  CONTRACT,
  ContractValueError,
  ENV,
  bucketEnv,
  type ContractEntry,
  type DatabaseSecret,
} from '@berthjs/config/contract';
import { RuntimeConfigError } from './errors';

export type { DatabaseSecret };

export interface DatabaseConfig {
  readonly secret: DatabaseSecret;
  /** Set in the cloud: the runtime re-reads the secret from Secrets Manager after a rotation. */
  readonly secretArn?: string;
  /** Reader endpoint / read replica host; same credentials and port as the writer. */
  readonly readHost?: string;
}

export interface CacheConfig {
  readonly url: string;
  readonly authToken?: string;
}

export interface MailConfig {
  readonly from: string;
  /** Lower-cased addresses and `@domain` entries; `null` means everyone (prod). */
  readonly allowList: readonly string[] | null;
  readonly configurationSet?: string;
  /** The SQS queue SES bounce and complaint events reach; the runtime drains it into the suppression list. */
  readonly eventsQueueUrl?: string;
}

export interface AuthConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

/** The local peers' endpoints (`AWS_ENDPOINT_URL_<SERVICE>`), set by `berth dev` only. */
export interface Endpoints {
  readonly s3?: string;
  readonly sesv2?: string;
  readonly sqs?: string;
  readonly secretsManager?: string;
}

export interface RuntimeConfig {
  readonly app: string;
  readonly service: string;
  readonly stage: string;
  readonly profile: string;
  readonly port: number;
  /** Where serve() listens: HOST, else every interface (what a task needs; berth dev sets 127.0.0.1). */
  readonly host: string;
  readonly healthPath: string;
  readonly readyPath: string;
  readonly stopTimeoutSeconds: number;
  readonly region: string;
  readonly database?: DatabaseConfig;
  readonly cache?: CacheConfig;
  /** Logical bucket name (lower-case, `-` for `_`, e.g. `resumes`) → real bucket name. */
  readonly buckets: Readonly<Record<string, string>>;
  readonly mail?: MailConfig;
  readonly auth?: AuthConfig;
  readonly endpoints: Endpoints;
  /** LOG_LEVEL, a developer's knob rather than part of the contract. */
  readonly logLevel?: string;
}

type Env = Record<string, string | undefined>;

/** The one place the runtime reads the process environment; everything else is handed its RuntimeConfig. */
export function processEnv(): Env {
  return process.env;
}

/**
 * A pass over the contract table (`CONTRACT` in @berthjs/config/contract): each variable's name, parser and default
 * come from there, so nothing here restates them. A variable set (non-empty) wins, else the table's default; a
 * required one with neither fails naming the variable. Two facts belong to the reader: BERTH_PROFILE may be left out
 * when the stage is itself a profile name, and AWS_REGION falls back to AWS_DEFAULT_REGION.
 */
export function loadRuntimeConfig(env: Env = processEnv()): RuntimeConfig {
  const get = reader(env);
  const stage = get(CONTRACT.stage)!;
  const profile =
    get({ ...CONTRACT.profile, required: false }) ??
    get({ ...CONTRACT.profile, default: stage, required: true })!;
  const region =
    get({ ...CONTRACT.region, required: false }) ?? get({ ...CONTRACT.defaultRegion, required: false });
  if (region === undefined)
    throw new RuntimeConfigError(ENV.region, 'an AWS region such as us-east-1 (it is not set)');

  return Object.freeze({
    app: get(CONTRACT.app)!,
    service: get(CONTRACT.service)!,
    stage,
    profile,
    port: get(CONTRACT.port)!,
    host: get(CONTRACT.host)!,
    healthPath: get(CONTRACT.healthPath)!,
    readyPath: get(CONTRACT.readyPath)!,
    stopTimeoutSeconds: get(CONTRACT.stopTimeout)!,
    region,
    ...withDefined('database', loadDatabase(get)),
    ...withDefined('cache', loadCache(get)),
    buckets: Object.freeze(loadBuckets(env)),
    ...withDefined('mail', loadMail(get, profile)),
    ...withDefined('auth', loadAuth(get)),
    endpoints: Object.freeze({
      ...withDefined('s3', get(CONTRACT.s3Endpoint)),
      ...withDefined('sesv2', get(CONTRACT.sesEndpoint)),
      ...withDefined('sqs', get(CONTRACT.sqsEndpoint)),
      ...withDefined('secretsManager', get(CONTRACT.secretsManagerEndpoint)),
    }),
    ...withDefined('logLevel', optional(env, 'LOG_LEVEL')),
  });
}

type Get = <T>(entry: ContractEntry<T>) => T | undefined;

/** Reads one table entry: set → parsed, else its default → parsed, else undefined (or an error when required). */
function reader(env: Env): Get {
  return <T>(entry: ContractEntry<T>): T | undefined => {
    const raw = optional(env, entry.name) ?? entry.default;
    if (raw === undefined) {
      if (entry.required) throw new RuntimeConfigError(entry.name, `${describe(entry)} (it is not set)`);
      return undefined;
    }
    try {
      return entry.parse(raw, entry.name);
    } catch (err) {
      if (err instanceof ContractValueError) throw new RuntimeConfigError(err.variable, err.expected);
      throw err;
    }
  };
}

/** What a missing variable should hold: the parser's own words, learnt by feeding it an empty value. */
function describe(entry: ContractEntry): string {
  try {
    entry.parse('', entry.name);
  } catch (err) {
    if (err instanceof ContractValueError) return err.expected;
  }
  return 'a value';
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** Parses the secret JSON (or a postgres:// URL). Errors name the key, never echo the value. */
export function parseDatabaseSecret(raw: string, variable: string = ENV.databaseSecret): DatabaseSecret {
  const text = raw.trim();
  if (/^postgres(ql)?:\/\//.test(text)) {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new RuntimeConfigError(
        variable,
        'a postgres:// URL or the secret JSON { username, password, host, port, dbname }',
      );
    }
    const dbname = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!u.hostname || !u.username || !dbname) {
      throw new RuntimeConfigError(variable, 'a postgres:// URL with user, host and database name');
    }
    return Object.freeze({
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      host: u.hostname,
      port: u.port ? Number(u.port) : 5432,
      dbname,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RuntimeConfigError(
      variable,
      'JSON { username, password, host, port, dbname } or a postgres:// URL (it is not valid JSON)',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RuntimeConfigError(variable, 'a JSON object { username, password, host, port, dbname }');
  }
  const o = parsed as Record<string, unknown>;
  const str = (key: string, value: unknown): string => {
    if (typeof value !== 'string' || value === '')
      throw new RuntimeConfigError(variable, `key "${key}" to be a non-empty string`);
    return value;
  };
  const password = o.password;
  if (typeof password !== 'string') throw new RuntimeConfigError(variable, 'key "password" to be a string');
  const port = o.port === undefined ? 5432 : Number(o.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RuntimeConfigError(variable, 'key "port" to be an integer from 1 to 65535');
  }
  return Object.freeze({
    username: str('username', o.username),
    password,
    host: str('host', o.host),
    port,
    dbname: str('dbname', o.dbname ?? o.database),
  });
}

function loadDatabase(get: Get): DatabaseConfig | undefined {
  const raw = get(inSection(CONTRACT.databaseSecret));
  const secretArn = get(CONTRACT.databaseSecretArn);
  const readHost = get(CONTRACT.databaseReadHost);
  if (raw === undefined) {
    if (secretArn || readHost) {
      throw new RuntimeConfigError(
        ENV.databaseSecret,
        `the secret JSON (it is not set but ${secretArn ? ENV.databaseSecretArn : ENV.databaseReadHost} is)`,
      );
    }
    return undefined;
  }
  return Object.freeze({
    secret: parseDatabaseSecret(raw),
    ...withDefined('secretArn', secretArn),
    ...withDefined('readHost', readHost),
  });
}

/** A section's entries are required only once the section is present (its first variable is set). */
function inSection<T>(entry: ContractEntry<T>): ContractEntry<T> {
  return { ...entry, required: false };
}

function loadCache(get: Get): CacheConfig | undefined {
  const cacheUrl = get(inSection(CONTRACT.cacheUrl));
  if (cacheUrl === undefined) return undefined;
  return Object.freeze({ url: cacheUrl, ...withDefined('authToken', get(CONTRACT.cacheAuthToken)) });
}

function loadBuckets(env: Env): Record<string, string> {
  const buckets: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('BUCKET_') || value === undefined) continue;
    const logical = name.slice('BUCKET_'.length).toLowerCase().replace(/_/g, '-');
    if (!logical || bucketEnv(logical) !== name) continue;
    if (!BUCKET_NAME.test(value.trim()))
      throw new RuntimeConfigError(name, 'an S3 bucket name (3–63 of a-z, 0-9, ".", "-")');
    buckets[logical] = value.trim();
  }
  return buckets;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function loadMail(get: Get, profile: string): MailConfig | undefined {
  const from = get(inSection(CONTRACT.mailFrom));
  if (from === undefined) return undefined;
  const rawList = get(CONTRACT.mailAllowList);
  let allowList: string[] | null;
  if (rawList === undefined) allowList = profile === 'prod' ? null : [];
  else {
    allowList = rawList
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean);
    for (const entry of allowList) {
      if (!/^[^@\s]*@[^@\s]+$/.test(entry)) {
        throw new RuntimeConfigError(ENV.mailAllowList, 'comma-separated addresses and @domain entries');
      }
    }
  }
  return Object.freeze({
    from,
    allowList: allowList ? Object.freeze(allowList) : null,
    ...withDefined('configurationSet', get(CONTRACT.mailConfigurationSet)),
    ...withDefined('eventsQueueUrl', get(CONTRACT.mailEventsQueueUrl)),
  });
}

function loadAuth(get: Get): AuthConfig | undefined {
  const issuer = get(inSection(CONTRACT.authIssuer));
  const audience = get(inSection(CONTRACT.authAudience));
  const jwksUrl = get(inSection(CONTRACT.authJwksUrl));
  if (issuer === undefined && audience === undefined && jwksUrl === undefined) return undefined;
  // One AUTH_ variable set makes the section present: now each is required.
  return Object.freeze({
    issuer: issuer ?? missingInSection(ENV.authIssuer, 'an https URL'),
    audience: audience ?? missingInSection(ENV.authAudience, 'a non-empty audience'),
    jwksUrl: jwksUrl ?? missingInSection(ENV.authJwksUrl, 'an https URL'),
  });
}

function missingInSection(variable: string, expected: string): never {
  throw new RuntimeConfigError(variable, `${expected} (the other AUTH_ variables are set)`);
}
