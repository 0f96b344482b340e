import { defineApp } from '@berthjs/config';

/**
 * Tekalo API: ECS on an EC2 capacity provider with cluster autoscaling, Aurora Serverless v2 with a rotated
 * password, résumés in S3 (presigned upload/download, intelligent tiering), SES with a recipient allow-list
 * outside prod, dashboard and alarms to PagerDuty in prod only, dev/staging in one account and prod in its own,
 * the image promoted from the dev registry, Auth0 sending through SES over SMTP and its logs kept in CloudWatch.
 */
export default defineApp({
  name: 'tekalo',
  region: 'us-east-1',
  services: {
    api: {
      port: 3000,
      health: '/health',
      hosts: ['api'],
      capacity: 'ec2',
      command: ['node', 'dist/server.js'],
      scaling: { cpu: 70, memory: 70 },
    },
  },
  // A t3.medium holds 2 awsvpc tasks (3 network interfaces, one the instance's own): 4 hold dev's and staging's
  // most (2 and 6); prod scales to 10 tasks, so its ceiling is 5 (the document's 4 would strand 2 tasks).
  ec2: { instanceType: 't3.medium', minInstances: 1, maxInstances: 4, targetCapacityPercent: 100 },
  database: { engine: 'aurora-serverless-v2', version: '16.4', name: 'capp', rotation: 30 },
  buckets: {
    resumes: {
      intelligentTiering: true,
      cors: [{ origins: ['https://tekalo.org'], methods: ['PUT', 'GET'] }],
    },
  },
  mail: {
    domain: 'tekalo.org',
    from: 'Tekalo <no-reply@tekalo.org>',
    allowList: ['@schmidtfutures.com', 'qa@tekalo.org'],
    // Auth0 sends its mails (verification, password reset) through this SES identity over SMTP.
    senders: { auth0: { from: ['no-reply@tekalo.org'] } },
  },
  auth: { issuer: 'https://tekalo.us.auth0.com/', audience: 'https://api.tekalo.org' },
  // tekalo.org's zone lives in prod's account; dev and staging (account 111…) each write into a zone of their own
  // in their account, delegated from tekalo.org by an NS record (a zone belongs to one account).
  edge: { domain: 'tekalo.org', hostedZoneId: 'Z0TEKALO00000000000' },
  alarms: { pagerduty: 'tekalo/pagerduty-integration-url' },
  environments: {
    dev: {
      account: '111111111111',
      overrides: { edge: { domain: 'dev.tekalo.org', hostedZoneId: 'Z0TEKALODEV00000000' } },
    },
    staging: {
      account: '111111111111',
      overrides: { edge: { domain: 'staging.tekalo.org', hostedZoneId: 'Z0TEKALOSTAGING0000' } },
    },
    // prod has its own account and runs the image built once in dev.
    prod: {
      account: '222222222222',
      imagesFrom: 'dev',
      overrides: {
        services: { api: { scaling: { min: 3, max: 10 } } },
        ec2: { maxInstances: 5 },
        // Auth0's log stream (its EventBridge partner event source, as Auth0 names it) kept in CloudWatch Logs.
        events: {
          partnerSources: [
            'aws.partner/auth0.com/tekalo-prod-5e3b1c2a-7d4f-4e8b-9a6c-0f1e2d3c4b5a/auth0.logs',
          ],
        },
      },
    },
  },
});
