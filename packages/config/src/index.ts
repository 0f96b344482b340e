import type { AppConfig } from './schema';

export { resolve } from './resolve';
export {
  contractFor,
  contractGives,
  bucketEnv,
  ENV,
  RESERVED_ENV,
  CONTRACT,
  STOP_TIMEOUT,
  TOKEN_MAX_LIFETIME_SECONDS,
  ContractValueError,
  type Contract,
  type ContractEntry,
  type ContractKey,
  type ContractSource,
  type ContractVariable,
  type DatabaseSecret,
  type Delivery,
} from './contract';
export { ConfigError, type ConfigIssue } from './errors';
export { OUTPUT_KEYS, type StackOutputs } from './outputs';
export { routeOrder, type Route } from './routes';
export { rateLimitedResponse, RATE_LIMITED_BODY_KEY, type RateLimitedResponse } from './rate-limit';
export {
  NAME_LIMITS,
  nameProblem,
  nameIssues,
  prefixOf,
  stackName,
  serviceFamily,
  jobFamily,
  scheduleName,
  mailConfigurationSetName,
  mailEventsQueueName,
  deployerRoleName,
  globalClusterIdentifier,
  repositoryName,
  repositoryPrefix,
  serviceOfFamily,
  parseTaskDefinitionArn,
  pascal,
  type NameKind,
  type NameScope,
} from './names';
export { PROFILES, DEFAULTS, LOG_RETENTION_DAYS, type Profile } from './profiles';
export {
  ENGINES,
  ENGINE_CATALOG_AS_OF,
  AURORA_ZERO_ACU_FROM,
  isCreatable,
  nearestCreatable,
  newestCreatable,
  type CatalogEngine,
  type EngineCatalog,
} from './engines';
export { FARGATE_SIZES, FARGATE_CPUS, isFargatePair } from './fargate';
export { awsvpcTasksPerInstance, maxNetworkInterfaces } from './eni';
export { applyTypeOf, parameterNotes, type ApplyType } from './parameters';
export { parseMemory, formatMemory, scheduleProblem, rateSeconds, isCidr, isGraviton } from './units';
export { standbyCidrFor, cidrsOverlap } from './standby-network';
export { appSchema, PROFILE_NAMES } from './schema';
export { VPC_ENDPOINTS } from './endpoints';
export {
  generatedSecretName,
  SECRET_ALPHABETS,
  SECRET_FORMATS,
  SECRET_LENGTH,
  type ResolvedGeneratedSecret,
  type SecretFormat,
} from './secrets';
export type {
  AppConfig,
  ServiceConfig,
  DatabaseConfig,
  EnvironmentConfig,
  Overrides,
  AcknowledgementConfig,
} from './schema';
export type * from './types';

/**
 * Declares an app. Typed identity: validation happens in `resolve(config, stage)`, which reports every problem
 * for one environment at once.
 */
export function defineApp<const T extends AppConfig>(config: T): T {
  return config;
}
export { NOT_ASSUMED_PROGRAMS, programsNotKnown } from './programs';
export { BUCKET_ACCESS, bucketUseName, type BucketAccess } from './bucket-access';
export { commandNames, commandValues, contractRefs, substituteContract } from './commands';
