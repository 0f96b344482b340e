import { ENV, bucketEnv } from '@berthjs/config/contract';
import { RuntimeConfigError } from './errors';

export interface DatabaseSecret {
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
}

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
}

export interface AuthConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
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
}

type Env = Record<string, string | undefined>;

/**
 * Precedence, written down once: a contract variable set (non-empty) in `env` wins; otherwise the default below;
 * a variable with no default is required. Nothing is read from files or from `@berthjs/config` at run time.
 *
 * | variable | default |
 * | --- | --- |
 * | BERTH_APP, BERTH_SERVICE, BERTH_STAGE, PORT | required |
 * | BERTH_PROFILE | BERTH_STAGE if it is dev/staging/prod, else required |
 * | HOST | 0.0.0.0 |
 * | BERTH_HEALTH_PATH / BERTH_READY_PATH | /health, /ready |
 * | BERTH_STOP_TIMEOUT | 30 |
 * | AWS_REGION | AWS_DEFAULT_REGION, else required |
 * | MAIL_ALLOW_LIST (when MAIL_FROM is set) | absent: everyone in prod, nobody elsewhere |
 */
export function loadRuntimeConfig(env: Env = process.env): RuntimeConfig {
  const app = required(env, ENV.app, NAME, 'a name of letters, digits and dashes');
  const service = required(env, ENV.service, NAME, 'a name of letters, digits and dashes');
  const stage = required(env, ENV.stage, NAME, 'a name of letters, digits and dashes');
  const profile = optional(env, ENV.profile) ?? (PROFILES.includes(stage) ? stage : undefined);
  if (profile === undefined || !PROFILES.includes(profile)) {
    throw new RuntimeConfigError(ENV.profile, `one of ${PROFILES.join(', ')}`);
  }
  const port = integer(env, ENV.port, undefined, 1, 65535);
  const host = optional(env, ENV.host) ?? '0.0.0.0';
  if (!/^[0-9a-fA-F:.]+$|^localhost$/.test(host)) {
    throw new RuntimeConfigError(ENV.host, 'an IP address to listen on, such as 0.0.0.0 or 127.0.0.1');
  }
  const healthPath = path(env, ENV.healthPath, '/health');
  const readyPath = path(env, ENV.readyPath, '/ready');
  const stopTimeoutSeconds = integer(env, ENV.stopTimeout, 30, 2, 120);
  const region = optional(env, ENV.region) ?? optional(env, 'AWS_DEFAULT_REGION');
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new RuntimeConfigError(ENV.region, 'an AWS region such as us-east-1');
  }

  return Object.freeze({
    app,
    service,
    stage,
    profile,
    port,
    host,
    healthPath,
    readyPath,
    stopTimeoutSeconds,
    region,
    ...withDefined('database', loadDatabase(env)),
    ...withDefined('cache', loadCache(env)),
    buckets: Object.freeze(loadBuckets(env)),
    ...withDefined('mail', loadMail(env, profile)),
    ...withDefined('auth', loadAuth(env)),
  });
}

const PROFILES: readonly string[] = ['dev', 'staging', 'prod'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string, pattern: RegExp, expected: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new RuntimeConfigError(name, `${expected} (it is not set)`);
  if (!pattern.test(value)) throw new RuntimeConfigError(name, expected);
  return value;
}

function integer(env: Env, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = optional(env, name);
  const expected = `an integer from ${min} to ${max}`;
  if (raw === undefined) {
    if (fallback === undefined) throw new RuntimeConfigError(name, `${expected} (it is not set)`);
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new RuntimeConfigError(name, expected);
  return value;
}

function path(env: Env, name: string, fallback: string): string {
  const value = optional(env, name) ?? fallback;
  if (!/^\/[\w\-./]*$/.test(value))
    throw new RuntimeConfigError(name, 'an absolute URL path such as /health');
  return value;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new RuntimeConfigError(name, `a ${protocols.join(' or ')} URL`);
  }
  if (!protocols.includes(parsed.protocol.slice(0, -1))) {
    throw new RuntimeConfigError(name, `a ${protocols.join(' or ')} URL`);
  }
  return value;
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

function loadDatabase(env: Env): DatabaseConfig | undefined {
  const raw = optional(env, ENV.databaseSecret);
  const secretArn = optional(env, ENV.databaseSecretArn);
  const readHost = optional(env, ENV.databaseReadHost);
  if (raw === undefined) {
    if (secretArn || readHost) {
      throw new RuntimeConfigError(
        ENV.databaseSecret,
        `the secret JSON (it is not set but ${secretArn ? ENV.databaseSecretArn : ENV.databaseReadHost} is)`,
      );
    }
    return undefined;
  }
  if (secretArn !== undefined && !/^arn:aws[\w-]*:secretsmanager:/.test(secretArn)) {
    throw new RuntimeConfigError(
      ENV.databaseSecretArn,
      'a Secrets Manager secret ARN (arn:aws:secretsmanager:...)',
    );
  }
  if (readHost !== undefined && !/^[A-Za-z0-9.-]+$/.test(readHost)) {
    throw new RuntimeConfigError(ENV.databaseReadHost, 'a host name');
  }
  return Object.freeze({
    secret: parseDatabaseSecret(raw),
    ...withDefined('secretArn', secretArn),
    ...withDefined('readHost', readHost),
  });
}

function loadCache(env: Env): CacheConfig | undefined {
  const cacheUrl = url(env, ENV.cacheUrl, ['redis', 'rediss']);
  const authToken = optional(env, ENV.cacheAuthToken);
  if (cacheUrl === undefined) return undefined;
  return Object.freeze({ url: cacheUrl, ...withDefined('authToken', authToken) });
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

function loadMail(env: Env, profile: string): MailConfig | undefined {
  const from = optional(env, ENV.mailFrom);
  if (from === undefined) return undefined;
  if (!/^[^@\s<>]+@[^@\s<>]+$|^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(from)) {
    throw new RuntimeConfigError(ENV.mailFrom, 'an address such as "Name <no-reply@example.com>"');
  }
  const rawList = optional(env, ENV.mailAllowList);
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
    ...withDefined('configurationSet', optional(env, ENV.mailConfigurationSet)),
  });
}

function loadAuth(env: Env): AuthConfig | undefined {
  const issuer = url(env, ENV.authIssuer, ['https', 'http']);
  const audience = optional(env, ENV.authAudience);
  const jwksUrl = url(env, ENV.authJwksUrl, ['https', 'http']);
  if (issuer === undefined && audience === undefined && jwksUrl === undefined) return undefined;
  if (issuer === undefined)
    throw new RuntimeConfigError(ENV.authIssuer, 'an https URL (the other AUTH_ variables are set)');
  if (audience === undefined)
    throw new RuntimeConfigError(
      ENV.authAudience,
      'a non-empty audience (the other AUTH_ variables are set)',
    );
  if (jwksUrl === undefined)
    throw new RuntimeConfigError(ENV.authJwksUrl, 'an https URL (the other AUTH_ variables are set)');
  return Object.freeze({ issuer, audience, jwksUrl });
}
