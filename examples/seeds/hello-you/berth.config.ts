import { defineApp } from '@berthjs/config';

/**
 * Hello-you API (Flask): RDS primary with a read replica, replica-lag and CPU alarms, a bastion limited to one
 * /32, generated secrets in Secrets Manager, the image pulled from GitHub's registry with a token secret, and
 * the multi-region pilot-light failover its document proposes, built.
 */
export default defineApp({
  name: 'hello-you',
  region: 'us-east-1',
  services: {
    api: {
      port: 5000,
      health: '/health',
      // A host name so Route 53 can fail it over to the standby region.
      hosts: ['api'],
      image: { uri: 'ghcr.io/hello-you/api:1.4.2', credentialsSecret: 'hello-you/github-token' },
      // gunicorn on the contract's port; `berth migrate` runs this command with `migrate` appended (app/__main__.py).
      command: ['python', '-m', 'app', '--port', '${PORT}'],
      dev: { command: ['python3', '-m', 'app', '--dev', '--port', '${PORT}'], watch: ['app', 'migrations'] },
      secrets: { FLASK_SECRET_KEY: 'flask-secret-key' },
      scaling: { cpu: 70, memory: 75 },
    },
  },
  database: {
    engine: 'postgres',
    version: '16.13',
    name: 'helloyou',
    readReplica: true,
    instanceClass: 'db.t3.small',
    // The document's "slow query log monitoring": statements over 1 s are logged, to CloudWatch Logs.
    parameters: { log_min_duration_statement: 1000 },
  },
  edge: { domain: 'hello-you.example.org', hostedZoneId: 'Z0HELLOYOU000000000' },
  bastion: { keyName: 'hello-you-breakglass', allowedCidrs: ['203.0.113.10/32'] },
  alarms: { emails: ['sre@hello-you.example.org'] },
  standby: { region: 'us-west-2' },
  // The document's Flask key is "randomly generated": Berth generates it (hello-you/<stage>/flask-secret-key),
  // replicated to the standby region; `berth dev` keeps a local one.
  secrets: { 'flask-secret-key': { generate: { length: 64 } } },
  environments: {
    dev: {},
    prod: { account: '333333333333' },
  },
});
