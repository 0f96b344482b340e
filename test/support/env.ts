import { ENV, bucketEnv } from '@berthjs/config/contract';

export interface ContractEnvOverrides {
  readonly [name: string]: string | undefined;
}

/**
 * A process.env-like object holding the contract for a test service: app `test`, service `api`, stage `dev`,
 * dummy AWS credentials (no test may reach AWS). `overrides` wins; an `undefined` override removes the name.
 * Buckets may be given as `{ buckets: 'resumes=real-name,...' }` or directly as BUCKET_* names.
 */
export function contractEnv(overrides: ContractEnvOverrides = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    [ENV.app]: 'test',
    [ENV.service]: 'api',
    [ENV.stage]: 'dev',
    [ENV.profile]: 'dev',
    [ENV.port]: '3000',
    [ENV.healthPath]: '/health',
    [ENV.readyPath]: '/ready',
    [ENV.stopTimeout]: '30',
    [ENV.region]: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    LOG_LEVEL: 'silent',
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (name === 'buckets' && value) {
      for (const pair of value.split(',')) {
        const [logical, real] = pair.split('=');
        if (logical && real) env[bucketEnv(logical)] = real;
      }
      continue;
    }
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
