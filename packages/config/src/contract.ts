import type { ResolvedApp } from './types';

/**
 * The contract: the environment a task of a service receives. Infra writes it into task definitions, `berth dev`
 * into child processes, and the runtime reads it. Nobody else spells these names.
 */
export const ENV = Object.freeze({
  app: 'BERTH_APP',
  service: 'BERTH_SERVICE',
  stage: 'BERTH_STAGE',
  profile: 'BERTH_PROFILE',
  port: 'PORT',
  /** The address to listen on: every interface in a task (the ALB reaches it), loopback under `berth dev`. */
  host: 'HOST',
  healthPath: 'BERTH_HEALTH_PATH',
  readyPath: 'BERTH_READY_PATH',
  stopTimeout: 'BERTH_STOP_TIMEOUT',
  region: 'AWS_REGION',
  /** The RDS/Secrets Manager secret JSON: { username, password, host, port, dbname }. */
  databaseSecret: 'DATABASE_SECRET',
  /** ARN of that secret, so the runtime can re-read it after rotation. */
  databaseSecretArn: 'DATABASE_SECRET_ARN',
  /** Host of the read replica / reader endpoint. */
  databaseReadHost: 'DATABASE_READ_HOST',
  /** redis:// or rediss:// URL without credentials. */
  cacheUrl: 'CACHE_URL',
  cacheAuthToken: 'CACHE_AUTH_TOKEN',
  mailFrom: 'MAIL_FROM',
  /** Comma-separated addresses and @domains; absent in prod (everyone is sent). */
  mailAllowList: 'MAIL_ALLOW_LIST',
  mailConfigurationSet: 'MAIL_CONFIGURATION_SET',
  authIssuer: 'AUTH_ISSUER',
  authAudience: 'AUTH_AUDIENCE',
  authJwksUrl: 'AUTH_JWKS_URL',
  /** Local peers only: the AWS SDK v3 reads these itself. */
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
  sesEndpoint: 'AWS_ENDPOINT_URL_SESV2',
  secretsManagerEndpoint: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
} as const);

/** `resumes` → `BUCKET_RESUMES`. */
export function bucketEnv(bucket: string): string {
  return `BUCKET_${bucket.toUpperCase().replace(/-/g, '_')}`;
}

/** Names a user may not set through `env`/`secrets`: Berth owns them. */
export const RESERVED_ENV: ReadonlySet<string> = new Set(Object.values(ENV));

/** Where a variable's value comes from. Infra maps each kind to a CloudFormation value, `berth dev` to a local one. */
export type ContractSource =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'database'; readonly attribute: 'secret' | 'secretArn' | 'readHost' }
  | { readonly kind: 'cache'; readonly attribute: 'url' | 'authToken' }
  | { readonly kind: 'bucket'; readonly bucket: string }
  | { readonly kind: 'mail'; readonly attribute: 'configurationSet' }
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

/** The env var names and secret keys a task of `serviceName` receives in this environment. */
export function contractFor(resolved: ResolvedApp, serviceName: string): Contract {
  const service = resolved.services[serviceName];
  if (!service) {
    throw new Error(
      `contractFor: no service '${serviceName}' in app '${resolved.app}'; declared: ${Object.keys(resolved.services).join(', ')}`,
    );
  }
  const vars: ContractVariable[] = [];
  const plain = (name: string, source: ContractSource, required = true) =>
    vars.push({ name, secret: false, required, source });
  const secret = (name: string, source: ContractSource, required = true) =>
    vars.push({ name, secret: true, required, source });
  const literal = (value: string | number): ContractSource => ({ kind: 'literal', value: String(value) });

  plain(ENV.app, literal(resolved.app));
  plain(ENV.service, literal(service.name));
  plain(ENV.stage, literal(resolved.stage));
  plain(ENV.profile, literal(resolved.profile));
  plain(ENV.port, literal(service.port));
  plain(ENV.host, literal('0.0.0.0'), false);
  plain(ENV.healthPath, literal(service.healthPath));
  plain(ENV.readyPath, literal(service.readyPath));
  plain(ENV.stopTimeout, literal(service.stopTimeout));
  plain(ENV.region, literal(resolved.region));

  if (resolved.database && service.uses.database) {
    secret(ENV.databaseSecret, { kind: 'database', attribute: 'secret' });
    // Absent locally (no rotation there), so the runtime treats it as optional.
    plain(ENV.databaseSecretArn, { kind: 'database', attribute: 'secretArn' }, false);
    if (resolved.database.readReplica)
      plain(ENV.databaseReadHost, { kind: 'database', attribute: 'readHost' }, false);
  }
  if (resolved.cache && service.uses.cache) {
    plain(ENV.cacheUrl, { kind: 'cache', attribute: 'url' });
    if (resolved.cache.tls) secret(ENV.cacheAuthToken, { kind: 'cache', attribute: 'authToken' }, false);
  }
  for (const bucket of service.uses.buckets) plain(bucketEnv(bucket), { kind: 'bucket', bucket });
  if (resolved.mail && service.uses.mail) {
    plain(ENV.mailFrom, literal(resolved.mail.from));
    if (resolved.mail.allowList) plain(ENV.mailAllowList, literal(resolved.mail.allowList.join(',')));
    plain(ENV.mailConfigurationSet, { kind: 'mail', attribute: 'configurationSet' }, false);
  }
  if (resolved.auth) {
    plain(ENV.authIssuer, { kind: 'auth', attribute: 'issuer', value: resolved.auth.issuer });
    plain(ENV.authAudience, { kind: 'auth', attribute: 'audience', value: resolved.auth.audience });
    plain(ENV.authJwksUrl, { kind: 'auth', attribute: 'jwksUrl', value: resolved.auth.jwksUrl });
  }
  for (const [name, value] of Object.entries(service.env)) plain(name, literal(value));
  for (const [name, ref] of Object.entries(service.secrets)) secret(name, { kind: 'userSecret', ...ref });

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
