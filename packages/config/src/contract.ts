import { CONTRACT, type ContractEntry, type ContractKey } from './contract-table';
import type { ResolvedApp, ResolvedService } from './types';

export {
  CONTRACT,
  STOP_TIMEOUT,
  type ContractEntry,
  type ContractKey,
  type Delivery,
  type Needs,
} from './contract-table';
export { ContractValueError, type Parser } from './contract-parse';

/**
 * The contract: the environment a task of a service receives. Infra writes it into task definitions, `berth dev`
 * into child processes, and the runtime reads it. Every name comes from the table in ./contract-table.ts.
 */
export const ENV: { readonly [K in ContractKey]: string } = Object.freeze(
  Object.fromEntries(Object.entries(CONTRACT).map(([k, e]) => [k, e.name])) as { [K in ContractKey]: string },
);

/**
 * The longest lifetime a bearer token may have, in seconds (24 h): the runtime's verifier refuses a token whose `exp`
 * is further away (or further after its `iat`), and `berth dev token --ttl` mints none longer. One number, so the two
 * cannot disagree.
 */
export const TOKEN_MAX_LIFETIME_SECONDS = 86_400;

/** The JSON a task finds in DATABASE_SECRET: what RDS and Secrets Manager store (and rotate). Typed once, here. */
export interface DatabaseSecret {
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  /** RDS writes it; the local secret says `postgres` too. */
  readonly engine?: string;
}

/** `resumes` → `BUCKET_RESUMES`. */
export function bucketEnv(bucket: string): string {
  return `BUCKET_${bucket.toUpperCase().replace(/-/g, '_')}`;
}

/** Names a user may not set through `env`/`secrets`: Berth owns them. */
export const RESERVED_ENV: ReadonlySet<string> = new Set(Object.values(ENV));

/** Where a variable's value comes from. Infra maps each kind to a CloudFormation value, `berth dev` to a local one. */
export type ContractSource =
  | { readonly kind: 'literal'; readonly value: string }
  | {
      readonly kind: 'database';
      readonly attribute:
        | 'secret'
        | 'secretArn'
        | 'readHost'
        | 'host'
        | 'port'
        | 'dbname'
        | 'username'
        | 'password'
        | 'sslMode';
    }
  | { readonly kind: 'cache'; readonly attribute: 'url' | 'authToken' }
  | { readonly kind: 'bucket'; readonly bucket: string }
  | { readonly kind: 'mail'; readonly attribute: 'configurationSet' | 'eventsQueueUrl' }
  | { readonly kind: 'auth'; readonly attribute: 'issuer' | 'audience' | 'jwksUrl'; readonly value: string }
  | { readonly kind: 'userSecret'; readonly secretName: string; readonly jsonKey?: string };

export interface ContractVariable {
  readonly name: string;
  /** Delivered through ECS `secrets` (never plain env) in the cloud. */
  readonly secret: boolean;
  /** The runtime refuses to start without it. */
  readonly required: boolean;
  readonly source: ContractSource;
}

export interface Contract {
  readonly app: string;
  readonly stage: string;
  readonly service: string;
  readonly port: number;
  readonly healthPath: string;
  readonly readyPath: string;
  readonly variables: readonly ContractVariable[];
}

type Emit = (r: ResolvedApp, s: ResolvedService) => ContractSource | undefined;
const literal = (value: string | number): ContractSource => ({ kind: 'literal', value: String(value) });
const db =
  (attribute: Extract<ContractSource, { kind: 'database' }>['attribute']): Emit =>
  () => ({
    kind: 'database',
    attribute,
  });

/** How each row of the table is filled for one service (undefined: not part of this service's contract). */
const EMIT: { readonly [K in ContractKey]: Emit } = {
  app: (r) => literal(r.app),
  service: (_r, s) => literal(s.name),
  stage: (r) => literal(r.stage),
  profile: (r) => literal(r.profile),
  port: (_r, s) => literal(s.port),
  host: () => literal('0.0.0.0'),
  healthPath: (_r, s) => literal(s.healthPath),
  readyPath: (_r, s) => literal(s.readyPath),
  stopTimeout: (_r, s) => literal(s.stopTimeout),
  region: (r) => literal(r.region),
  defaultRegion: (r) => literal(r.region),
  databaseSecret: db('secret'),
  databaseSecretArn: db('secretArn'),
  databaseReadHost: (r) =>
    r.database?.readReplica ? { kind: 'database', attribute: 'readHost' } : undefined,
  pgHost: db('host'),
  pgPort: db('port'),
  pgDatabase: db('dbname'),
  pgUser: db('username'),
  pgPassword: db('password'),
  pgSslMode: db('sslMode'),
  cacheUrl: () => ({ kind: 'cache', attribute: 'url' }),
  cacheAuthToken: (r) => (r.cache?.tls ? { kind: 'cache', attribute: 'authToken' } : undefined),
  mailFrom: (r) => (r.mail ? literal(r.mail.from) : undefined),
  mailAllowList: (r) => (r.mail?.allowList ? literal(r.mail.allowList.join(',')) : undefined),
  mailConfigurationSet: () => ({ kind: 'mail', attribute: 'configurationSet' }),
  mailEventsQueueUrl: () => ({ kind: 'mail', attribute: 'eventsQueueUrl' }),
  authIssuer: (r) => (r.auth ? { kind: 'auth', attribute: 'issuer', value: r.auth.issuer } : undefined),
  authAudience: (r) => (r.auth ? { kind: 'auth', attribute: 'audience', value: r.auth.audience } : undefined),
  authJwksUrl: (r) => (r.auth ? { kind: 'auth', attribute: 'jwksUrl', value: r.auth.jwksUrl } : undefined),
  // Local-only rows have no cloud source: `berth dev` sets them (packages/dev/src/session/env.ts).
  s3Endpoint: () => undefined,
  sesEndpoint: () => undefined,
  sqsEndpoint: () => undefined,
  secretsManagerEndpoint: () => undefined,
};

function uses(entry: ContractEntry, r: ResolvedApp, s: ResolvedService): boolean {
  switch (entry.needs) {
    case 'always':
      return true;
    case 'database':
      return !!r.database && s.uses.database;
    case 'cache':
      return !!r.cache && s.uses.cache;
    case 'mail':
      return !!r.mail && s.uses.mail;
    case 'auth':
      return !!r.auth;
  }
}

/**
 * Whether the config gives `serviceName` the contract name `name`: its row's section (database, cache, mail, auth) is
 * declared and used by the service, so optional rows count whether or not this stage sets them (MAIL_ALLOW_LIST
 * outside prod, PGSSLMODE in the cloud); `BUCKET_<NAME>` for a bucket the service uses; or the service's own env or
 * secrets. Undefined when `name` is no contract name (an OS or app variable) or a local-only row the SDKs read.
 */
export function contractGives(resolved: ResolvedApp, serviceName: string, name: string): boolean | undefined {
  const service = resolved.services[serviceName];
  if (!service) return undefined;
  if (name in service.env || name in service.secrets) return true;
  if (name.startsWith('BUCKET_')) return service.uses.buckets.some((b) => bucketEnv(b) === name);
  const entry = Object.values(CONTRACT).find((e) => e.name === name);
  if (!entry || entry.delivery === 'local-only') return undefined;
  return uses(entry, resolved, service);
}

/** The env var names and secret keys a task of `serviceName` receives in this environment. */
export function contractFor(resolved: ResolvedApp, serviceName: string): Contract {
  const service = resolved.services[serviceName];
  if (!service) {
    throw new Error(
      `contractFor: no service '${serviceName}' in app '${resolved.app}'; declared: ${Object.keys(resolved.services).join(', ')}`,
    );
  }
  const vars: ContractVariable[] = [];
  for (const [key, entry] of Object.entries(CONTRACT) as [ContractKey, ContractEntry][]) {
    if (entry.delivery === 'local-only' || !uses(entry, resolved, service)) continue;
    const source = EMIT[key](resolved, service);
    if (source)
      vars.push({
        name: entry.name,
        secret: entry.secret || !!SECRET_WHEN[key]?.(resolved),
        required: requiredHere(key),
        source,
      });
  }
  for (const bucket of service.uses.buckets)
    vars.push({ name: bucketEnv(bucket), secret: false, required: true, source: { kind: 'bucket', bucket } });
  for (const [name, value] of Object.entries(service.env))
    vars.push({ name, secret: false, required: true, source: literal(value) });
  for (const [name, ref] of Object.entries(service.secrets))
    vars.push({ name, secret: true, required: true, source: { kind: 'userSecret', ...ref } });

  return Object.freeze({
    app: resolved.app,
    stage: resolved.stage,
    service: service.name,
    port: service.port,
    healthPath: service.healthPath,
    readyPath: service.readyPath,
    variables: Object.freeze(vars.map((v) => Object.freeze(v))),
  });
}

/**
 * Rows that carry a credential in some environments only, and are ECS secrets there: CACHE_URL holds the AUTH token
 * (`rediss://:<token>@host:port`) where the cache has one (cache.tls), and no credentials (plain env) elsewhere.
 */
const SECRET_WHEN: { readonly [K in ContractKey]?: (r: ResolvedApp) => boolean } = {
  cacheUrl: (r) => !!r.cache?.tls,
};

/**
 * Rows some environments do not deliver, so the runtime treats them as optional: no rotation ARN, no TLS mode, no
 * AUTH token, no configuration set and no events queue locally; a reader host only with a replica. Every other row is required.
 */
const NOT_EVERYWHERE: ReadonlySet<ContractKey> = new Set<ContractKey>([
  'host',
  'databaseSecretArn',
  'databaseReadHost',
  'pgSslMode',
  'cacheAuthToken',
  'mailConfigurationSet',
  'mailEventsQueueUrl',
]);

function requiredHere(key: ContractKey): boolean {
  return !NOT_EVERYWHERE.has(key);
}
