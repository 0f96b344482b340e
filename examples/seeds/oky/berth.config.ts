import { defineApp } from '@berthjs/config';

/**
 * Project Oky (API + CMS): CloudFront in front of an ALB open only to CloudFront's prefix list, Host-header
 * routing (api.* and cms.*, anything else → api), Aurora Serverless v2 at 0–1 ACU pausing after 5 minutes,
 * VPC endpoints instead of NAT (admitting the task security groups only), task env files in S3 (read-only to the
 * tasks), immutable image tags, least-privilege deploy roles, notifying alarms in prod.
 */
export default defineApp({
  name: 'oky',
  region: 'eu-west-2',
  services: {
    api: {
      port: 3000,
      hosts: ['api'],
      default: true,
      scaling: false,
      count: 1,
      envFiles: ['config/project_oky_api_task_configuration.env'],
    },
    cms: {
      port: 5000,
      hosts: ['cms'],
      scaling: false,
      count: 1,
      envFiles: ['config/project_oky_cms_task_configuration.env'],
    },
  },
  database: {
    engine: 'aurora-serverless-v2',
    version: '16.4',
    minAcu: 0,
    maxAcu: 1,
    autoPause: 5,
    multiAz: false,
    backupRetention: 7,
  },
  buckets: { config: {} },
  network: { nat: 'none', endpoints: 'auto', azs: 2 },
  edge: { domain: 'okyapp.info', cdn: true, ingress: 'cloudfront', hostedZoneId: 'Z0OKYAPP00000000000' },
  logRetentionDays: 7,
  // The alarms the document lists (task CPU/memory, ALB 5xx and target connection errors, database CPU and freeable
  // memory, and error patterns in the application logs through metric filters), on an SNS topic that mails the team;
  // prod only (the profile's default).
  alarms: {
    emails: ['ops@okyapp.info'],
    logPatterns: {
      'api-errors': {
        service: 'api',
        pattern: '?ERROR ?Error ?"Unhandled rejection"',
        threshold: 5,
        description: 'Errors in the API logs: berth logs --env prod api shows them',
      },
      'cms-errors': { service: 'cms', pattern: '?ERROR ?Error', threshold: 5 },
    },
  },
  github: { repository: 'oky/backend' },
  environments: {
    prod: {
      account: '637423184246',
      overrides: { services: { api: { capacity: 'fargate' }, cms: { capacity: 'fargate' } } },
    },
  },
});
