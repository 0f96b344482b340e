import { defineApp } from '@berthjs/config';

/**
 * {{name}}: one HTTP service with a PostgreSQL database, on AWS in three environments.
 *   berth dev                      run it locally (no Docker, no AWS account)
 *   berth check --env prod         check the CloudFormation it turns into
 *   berth cost --compare dev,staging,prod
 *   berth deploy --env dev         build, push and deploy (CI does this on push: .github/workflows/deploy.yml)
 */
export default defineApp({
  name: '{{name}}',
  region: '{{region}}',
  services: {
    api: {
      port: 3000,
      health: '/health',
      ready: '/ready',
      hosts: ['api'],
      default: true,
      command: ['node', 'dist/server.js'],
      dev: { command: ['node', '--import', 'tsx', 'src/server.ts'], watch: ['src'] },
      image: { dockerfile: 'Dockerfile', context: '.' },
    },
  },
  database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'app' },
  jobs: {
    // `node dist/job.js <name>` runs one job; `berth migrate` runs `node dist/job.js migrate` the same way.
    cleanup: {
      schedule: 'rate(1 day)',
      command: ['node', 'dist/job.js', 'cleanup'],
      devCommand: ['node', '--import', 'tsx', 'src/job.ts', 'cleanup'],
    },
  },
  environments: {
    // {{environments}}
  },
});
