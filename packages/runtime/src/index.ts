export { loadRuntimeConfig, parseDatabaseSecret } from './config';
export type {
  RuntimeConfig,
  DatabaseConfig,
  DatabaseSecret,
  CacheConfig,
  MailConfig,
  AuthConfig,
} from './config';
export {
  BerthError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  ServiceUnavailableError,
  RuntimeConfigError,
  InvalidKeyError,
  DatabaseUnavailableError,
  DatabaseTimeoutError,
  InvalidInputError,
  dataExceptionOf,
} from './errors';
export { createLogger, REDACT_PATHS, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics, type MetricsOptions, type Dimensions } from './metrics';
export { createDb, type Db, type DbOptions, type DbStats, type Queryable, type QueryResult } from './db';
export { migrate, type MigrateResult } from './migrate';
export { createCache, type Cache, type CacheOptions, type CacheParser, type CacheReadOptions } from './cache';
export {
  createStorage,
  type Storage,
  type StorageOptions,
  type PresignUploadInput,
  type PresignedUpload,
  type PresignDownloadInput,
  type StoredObject,
  type ObjectHead,
} from './storage';
export {
  createMailer,
  type DrainResult,
  type Draining,
  type Mailer,
  type MailerOptions,
  type MailMessage,
  type NotificationResult,
  type SendResult,
} from './mail';
export { defineJob, runJob, jobMain, type Job, type JobContext } from './jobs';
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime';
export {
  berth,
  serve,
  fastifyOptions,
  type BerthPluginOptions,
  type FastifyOptionsInput,
  type ServeOptions,
} from './http';
export { redactUrl, redactHeaders, CREDENTIAL_HEADERS, CREDENTIAL_PARAMS } from './redact';
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './auth';
