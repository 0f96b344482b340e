// @berthjs/dev: `berth dev`, the whole app on one machine. The CLI calls runDev, rotateRunning and mintToken; the
// rest is exported for tests and tools that drive one part (the contract env, the router's rules, a peer).
export {
  DEFAULT_PORT,
  mintToken,
  parseSize,
  rotateRunning,
  runDev,
  type RunDevOptions,
  type TokenRequest,
} from './run';
export type { DevSession, DevOptions } from './session/session';
export {
  localEnv,
  processEnv,
  localBucketName,
  LOCAL_CREDENTIALS,
  type LocalPeers,
  type LocalEnv,
} from './session/env';
export { routeRequest, hostName } from './router/routing';
export { issuerUrl, jwksUrl, loadSigningKey, parseTtl, signToken, type SigningKey } from './peers/oidc/oidc';
export { startMailEvents, type LocalMailEvents } from './peers/sns-sqs/mail-events';
export type { Rotated } from './peers/secrets-manager/rotation';
export { formatLine, inert, type LogLine, type FormatOptions } from './terminal/logs';
