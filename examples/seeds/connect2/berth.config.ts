import { defineApp } from '@berthjs/config';

/**
 * Connect 2.0 API (FastAPI): Fargate (Spot outside prod), RDS PostgreSQL 16 (Multi-AZ in prod), ElastiCache
 * Redis (TLS in prod), a bastion reached through SSM, and the dev/staging/prod differences table — which is
 * exactly Berth's profile table, so this config barely needs to say anything about sizes.
 */
export default defineApp({
  name: 'connect2-api',
  region: 'us-west-2',
  services: {
    api: {
      port: 8000,
      health: '/health',
      ready: '/health',
      hosts: ['api.connect.com'],
      // ${PORT} is the contract's port: 8000 in the task definition, the assigned one under berth dev.
      command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '${PORT}'],
      dev: {
        command: ['python3', '-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', '${PORT}'],
        watch: ['app', 'migrations'],
      },
    },
  },
  jobs: {
    // Its devCommand ends with its name, so berth dev runs `python3 -m app.jobs migrate` before the services.
    'prune-visits': {
      schedule: 'cron(0 4 * * ? *)',
      command: ['python', '-m', 'app.jobs', 'prune-visits'],
      devCommand: ['python3', '-m', 'app.jobs', 'prune-visits'],
    },
  },
  database: {
    engine: 'postgres',
    version: '16.13',
    name: 'connect2',
    storage: { allocated: 20, max: 100 },
    // The document's DB parameter group, for slow-query monitoring: statements over 1 s are logged (to CloudWatch).
    parameters: { log_min_duration_statement: 1000 },
  },
  cache: { engine: 'redis' },
  // Documents clients upload straight to S3 through a presigned URL, and the mail the API sends through SES.
  buckets: { documents: {} },
  mail: { domain: 'connect.com', from: 'Connect <no-reply@connect.com>', allowList: ['@connect.com'] },
  network: { cidr: '10.1.0.0/16', azs: 2 },
  edge: { domain: 'connect.com', hostedZoneId: 'Z0CONNECT0000000000' },
  bastion: {},
  alarms: { emails: ['platform@connect.com'], cpu: 75, memory: 80 },
  github: { repository: 'connect/connect2-api' },
  environments: {
    dev: { branch: 'development', overrides: { services: { api: { hosts: ['api-dev.connect.com'] } } } },
    staging: { branch: 'staging', overrides: { services: { api: { hosts: ['api-staging.connect.com'] } } } },
    prod: { branch: 'main', overrides: { network: { azs: 2, nat: 'per-az' } } },
  },
});
