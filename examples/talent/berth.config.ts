import { defineApp } from '@berthjs/config';

/**
 * Talent: applicants apply to opportunities with a résumé in S3, every step emails them, reviewers decide.
 * `npm start` at the repository root runs it locally; `berth synth --env prod` turns it into CloudFormation.
 */
export default defineApp({
  name: 'talent',
  region: 'us-east-1',
  services: {
    api: {
      port: 3000,
      health: '/health',
      ready: '/ready',
      hosts: ['api'],
      default: true,
      command: ['node', 'dist/server.js'],
      dev: { command: ['node', '--import', 'tsx', 'src/server.ts'], watch: ['src'] },
      // The OpenAPI document and swagger-ui at /docs: off here, so in prod; on in dev and staging (below).
      env: { API_DOCS: 'off' },
      image: { dockerfile: 'Dockerfile', context: '../..' },
    },
  },
  database: { engine: 'aurora-serverless-v2', version: '17.9', name: 'talent' },
  cache: { engine: 'redis' },
  buckets: {
    resumes: {
      intelligentTiering: true,
      // The pages upload with a presigned POST and download with a presigned GET; origins default to the
      // environment's own site (https://<edge.domain>), and berth dev adds its local origins.
      cors: [{ methods: ['POST', 'GET'] }],
    },
  },
  mail: {
    domain: 'talent.example.com',
    from: 'Talent <no-reply@talent.example.com>',
    allowList: ['@example.com'],
  },
  jobs: {
    'send-reminders': {
      schedule: 'cron(0 9 * * ? *)',
      command: ['node', 'dist/job.js', 'send-reminders'],
      devCommand: ['node', '--import', 'tsx', 'src/job.ts', 'send-reminders'],
    },
    'purge-orphan-uploads': {
      schedule: 'rate(1 hour)',
      command: ['node', 'dist/job.js', 'purge-orphan-uploads'],
      devCommand: ['node', '--import', 'tsx', 'src/job.ts', 'purge-orphan-uploads'],
    },
  },
  auth: { issuer: 'https://auth.talent.example.com/', audience: 'talent-api' },
  edge: { domain: 'talent.example.com' },
  alarms: { emails: ['oncall@talent.example.com'] },
  // API_DOCS=on serves the API docs in dev (berth dev too) and staging; prod keeps the service's 'off'.
  environments: {
    dev: {
      region: 'us-east-1',
      overrides: {
        edge: { domain: 'dev.talent.example.com' },
        services: { api: { env: { API_DOCS: 'on' } } },
      },
    },
    staging: {
      region: 'us-east-1',
      overrides: {
        edge: { domain: 'staging.talent.example.com' },
        services: { api: { env: { API_DOCS: 'on' } } },
      },
    },
    prod: {
      region: 'us-east-1',
      account: '222222222222',
      // The Route 53 zone of talent.example.com in the prod account: the certificate's validation record goes there.
      overrides: { edge: { domain: 'talent.example.com', hostedZoneId: 'Z0TALENTPROD0000000' } },
    },
  },
});
