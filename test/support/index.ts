export { freePort, waitForPort } from './ports';
export { contractEnv, type ContractEnvOverrides } from './env';
export {
  createTestDatabase,
  startPostgres,
  type TestDatabase,
  type DisposablePostgres,
  type DatabaseSecret,
} from './postgres';
export { startRedis, type DisposableRedis } from './redis';
export { startS3rver, type LocalS3 } from './s3rver';
export { startSesLocal, type LocalSes, type LocalMail } from './ses';
export { startSqsLocal, type LocalMailEvents } from './sqs';
