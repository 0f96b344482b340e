import { defineApp } from '@berthjs/config';

/**
 * {{name}}: one FastAPI service with a PostgreSQL database, on AWS in three environments.
 *   berth dev                      run it locally (no Docker, no AWS account; activate the .venv first)
 *   berth check --env prod         check the CloudFormation it turns into
 *   berth cost --compare dev,staging,prod
 *   berth deploy --env dev         build, push and deploy (CI does this on push: .github/workflows/deploy.yml)
 */
export default defineApp({
  name: '{{name}}',
  region: '{{region}}',
  services: {
    api: {
      port: 8000,
      health: '/health',
      ready: '/ready',
      hosts: ['api'],
      default: true,
      // ${PORT} is the contract's port: 8000 in the task definition, the one berth dev assigns locally.
      command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '${PORT}'],
      dev: {
        command: ['python3', '-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', '${PORT}'],
        watch: ['app', 'migrations'],
      },
      image: { dockerfile: 'Dockerfile', context: '.' },
    },
  },
  database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'app' },
  jobs: {
    // `python -m app.jobs <name>` runs one job; berth dev and `berth migrate` run `python -m app.jobs migrate` the same way.
    cleanup: {
      schedule: 'rate(1 day)',
      command: ['python', '-m', 'app.jobs', 'cleanup'],
      devCommand: ['python3', '-m', 'app.jobs', 'cleanup'],
    },
  },
  environments: {
    // {{environments}}
  },
});
