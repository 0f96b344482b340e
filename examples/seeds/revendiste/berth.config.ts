import { defineApp } from '@berthjs/config';

/**
 * Revendiste (Express backend + frontend): two services behind one ALB, Aurora Serverless v2 0.5–16 ACU, cron
 * jobs as EventBridge + ECS RunTask in light and heavy sizes, no NAT (tasks in public subnets), the ALB open
 * only to Cloudflare, DNS at Cloudflare (certificate validation records are outputs), and a monthly cost estimate
 * (`berth cost --env prod`) written to the document's cost-optimized intent: $105–340/month.
 */
export default defineApp({
  name: 'revendiste',
  region: 'sa-east-1',
  services: {
    backend: {
      port: 3001,
      health: '/api/health',
      hosts: ['api'],
      // The source document sizes this task at 0.5 vCPU / 1.5 GB, which Fargate does not offer (0.5 vCPU takes
      // 1, 2, 3 or 4 GB): Berth refuses that pair, so the nearest valid size is used.
      cpu: 0.5,
      memory: '2 GB',
      command: ['node', 'dist/server.js'],
      scaling: { min: 1, max: 10, cpu: 70, memory: 80 },
    },
    frontend: {
      port: 3000,
      health: '/',
      ready: '/',
      hosts: ['revendiste.com', 'www'],
      default: true,
      cpu: 0.25,
      memory: '0.5 GB',
      scaling: { min: 1, max: 10, cpu: 70, memory: 80 },
      uses: { database: false, buckets: [] },
    },
  },
  // One Serverless v2 instance, as the document runs it: the prod profile's reader (multiAz) would double the
  // baseline. Aurora's storage is replicated over 3 AZs either way; a failed instance is replaced in minutes.
  database: {
    engine: 'aurora-serverless-v2',
    version: '16.4',
    minAcu: 0.5,
    maxAcu: 16,
    multiAz: false,
  },
  buckets: { uploads: {} },
  jobs: {
    'sync-payments': {
      schedule: 'rate(15 minutes)',
      command: ['node', 'dist/run-job.js', 'sync-payments'],
      service: 'backend',
      size: 'light',
    },
    notifications: {
      schedule: 'rate(5 minutes)',
      command: ['node', 'dist/run-job.js', 'notifications'],
      service: 'backend',
      size: 'light',
    },
    'scrape-events': {
      schedule: 'cron(0 */6 * * ? *)',
      command: ['node', 'dist/run-job.js', 'scrape-events'],
      service: 'backend',
      size: { cpu: 2, memory: '4 GB' },
      timeout: 120,
    },
  },
  // Two AZs ("Multi-AZ setup" in the document): the ALB's public addresses and the Secrets Manager endpoint the
  // password-rotation function needs (the database subnets have no way out) are paid per AZ.
  network: { nat: 'none', publicTasks: true, azs: 2 },
  edge: { domain: 'revendiste.com', ingress: 'cloudflare', dns: 'external' },
  logRetentionDays: 7,
  environments: {
    prod: { overrides: { services: { backend: { capacity: 'fargate' } } } },
  },
});
