import type { ResolvedApp } from '@berth/config';
import type { Finding } from './checks';

/**
 * Every finding Berth accepts, each with its one-sentence reason. A finding matches when its rule matches `rule`
 * and, if given, its construct path or logical id matches `resource` and `when` holds for the environment.
 */
export interface Acknowledgement {
  readonly rule: string | RegExp;
  readonly resource?: RegExp;
  readonly when?: (resolved: ResolvedApp) => boolean;
  readonly reason: string;
}

const anywhere = (r: ResolvedApp) => r.edge.ingress === 'anywhere';

export const ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [
  // Edge
  {
    rule: 'AwsSolutions-EC23',
    resource: /^Edge\/SecurityGroup\//,
    when: anywhere,
    reason: "A public API's load balancer must accept the internet, and it does so on 80/443 only.",
  },
  {
    rule: 'NIST.800.53.R5-ELBv2ACMCertificateRequired',
    resource: /^Edge\/LoadBalancer\/Http\//,
    when: (r) => r.edge.https,
    reason: 'The HTTP listener only answers with a permanent redirect to HTTPS; it forwards nothing.',
  },
  {
    rule: 'NIST.800.53.R5-ALBWAFEnabled',
    reason:
      'AWS WAF is a paid add-on (~$5/month + $1/rule + requests) not yet modelled by Berth; the security group limits who reaches the ALB.',
  },
  {
    rule: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
    resource: /^Network\/Vpc\/PublicSubnet\d+\//,
    reason:
      'Public subnets hold only the load balancer and NAT gateways, which need the route to the internet gateway.',
  },
  {
    rule: 'NIST.800.53.R5-VPCDefaultSecurityGroupClosed',
    reason:
      'Nothing uses the default security group, and closing it needs a custom-resource Lambda that would itself add five findings.',
  },
  // Service
  {
    rule: 'AwsSolutions-ECS2',
    resource: /^Service[A-Za-z0-9]+\/TaskDefinition\//,
    reason:
      "Plain env carries the contract's names, endpoints and ARNs only; Berth-SecretsNeverInPlainEnv proves no credential is among them.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: /^Service[A-Za-z0-9]+\/ExecutionRole\/DefaultPolicy\//,
    reason: 'ecr:GetAuthorizationToken, which every image pull needs, has no resource-level permissions.',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::<Bucket[A-Za-z0-9]+\.Arn>\/\*\]$/,
    resource: /^Service[A-Za-z0-9]+\/TaskRole\/DefaultPolicy\//,
    reason:
      "Object-level S3 actions need the bucket's /* resource; the statement names only the service's own buckets and four actions.",
  },
  {
    rule: 'ecs_task_definition_nonroot_user_check',
    reason:
      "The image decides its user (Berth's Dockerfile runs as the non-root node user); forcing a uid here would break images built for another one.",
  },
  {
    rule: /^(NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted|cloudwatch_log_group_encrypted_check)$/,
    reason:
      'CloudWatch Logs already encrypts every log group at rest; a customer KMS key adds cost and key-policy work without narrowing who can read (IAM does).',
  },
  {
    rule: 'cloudwatch_log_group_retention_period_check',
    reason:
      'Retention is chosen per environment (logRetentionDays: 7/14/90 by profile) to bound cost; set it to 365 in the config where a year is required.',
  },
  {
    rule: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      "Each inline policy belongs to one role and names only that role's resources; a managed policy would be shared and broader.",
  },
  // Database
  {
    rule: /^(AwsSolutions-RDS6|rds_cluster_iam_authentication_enabled_check|NIST\.800\.53\.R5-RDSInstanceIAMAuth.*)$/,
    reason:
      'The runtime authenticates with the rotated Secrets Manager password and re-reads it after rotation; IAM tokens expire every 15 minutes under a long-lived pool.',
  },
  {
    rule: /^(NIST\.800\.53\.R5-RDSEnhancedMonitoringEnabled|rds_instance_enhanced_monitoring_enabled_check)$/,
    reason:
      'Performance Insights and CloudWatch metrics cover the database; Enhanced Monitoring would add per-instance cost and a role with an AWS-managed policy.',
  },
  {
    rule: 'NIST.800.53.R5-RDSInBackupPlan',
    reason:
      "Automated backups with point-in-time restore for backupRetention days are the database's backup; an AWS Backup plan would duplicate them.",
  },
  {
    rule: /^(NIST\.800\.53\.R5-SecretsManagerUsingKMSKey|AwsSolutions-SMG4|NIST\.800\.53\.R5-SecretsManagerRotationEnabled)$/,
    resource: /^(Cache\/AuthToken\/|CacheAuthToken$)/,
    reason:
      'Rotating an ElastiCache AUTH token needs a coordinated ModifyReplicationGroup that Berth does not automate yet; the token lives only in Secrets Manager and ECS secrets.',
  },
  {
    rule: 'NIST.800.53.R5-SecretsManagerUsingKMSKey',
    reason:
      'Secrets use the AWS-managed aws/secretsmanager key; a customer key adds cost and key-policy work, and IAM already limits who can read them.',
  },
  // Cache
  {
    rule: 'AwsSolutions-AEC5',
    reason:
      'A non-default port is obscurity, not control: the cache security group admits only the services that use it.',
  },
  {
    rule: /^(NIST\.800\.53\.R5-ElastiCacheRedisClusterAutomaticBackup|AwsSolutions-AEC\d*Backup)$/,
    reason: 'The cache is fail-open and rebuilt from the database, so snapshots would only cost.',
  },
  {
    rule: 'elasticache_repl_grp_rbac_auth_enabled_check',
    reason:
      'The cache uses TLS with an AUTH token from Secrets Manager (prod); RBAC user groups are a planned improvement with no extra isolation for a single-tenant cache.',
  },
  // Buckets
  {
    rule: /^(NIST\.800\.53\.R5-S3DefaultEncryptionKMS|s3_bucket_default_encryption_kms_check)$/,
    reason:
      'SSE-S3 encrypts at rest without KMS request charges, and the ALB access-log bucket cannot use SSE-KMS at all.',
  },
  {
    rule: 's3_bucket_object_lock_enabled_check',
    reason:
      'Uploads are user data the app must be able to delete (erasure requests, orphan purges); object lock would forbid that.',
  },
  {
    rule: 's3_event_notifications_enabled_check',
    reason: 'Nothing consumes bucket events; notifications without a consumer add no control.',
  },
  {
    rule: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    reason:
      'Cross-region replication doubles storage cost; the pilot-light standby decides replication when it is enabled.',
  },
  {
    rule: /^(s3_bucket_logging_enabled_check|NIST\.800\.53\.R5-S3BucketLoggingEnabled|AwsSolutions-S1|NIST\.800\.53\.R5-S3BucketVersioningEnabled|s3_bucket_versioning_enabled_check)$/,
    resource: /^(Edge\/AccessLogs\/|EdgeAccessLogs[0-9A-F]{8}$)/,
    reason:
      'This is the log sink: logging it into itself would loop, and its objects are written once and expire after 90 days.',
  },
  // Profile differences: dev and staging trade these protections for cost on purpose; prod has every one.
  {
    rule: /^(AwsSolutions-RDS10|AwsSolutions-ELB\d*Deletion.*|NIST\.800\.53\.R5-(ELBDeletionProtectionEnabled|RDSInstanceDeletionProtectionEnabled)|elbv2_deletion_protection_enabled_check|rds_cluster_deletion_protection_enabled_check)$/,
    when: (r) => !r.deletionProtection && r.profile !== 'prod',
    reason:
      'Deletion protection is off outside prod by the profile so short-lived environments can be torn down; prod turns it on.',
  },
  {
    rule: /^(AwsSolutions-AEC3|AwsSolutions-AEC4|AwsSolutions-AEC6|elasticache_repl_grp_encrypted_in_transit_check|elasticache_repl_grp_auto_failover_enabled_check)$/,
    when: (r) => r.profile !== 'prod',
    reason:
      'Outside prod the cache runs without TLS/AUTH or replicas by the profile (a fail-open cache of disposable data in a private subnet); prod has both.',
  },
  {
    rule: /^(NIST\.800\.53\.R5-S3BucketVersioningEnabled|s3_bucket_versioning_enabled_check)$/,
    when: (r) => r.profile !== 'prod',
    reason:
      'Outside prod buckets hold test data and are unversioned by the profile to save storage; prod versions them.',
  },
  {
    rule: /^(AwsSolutions-ELB2|AwsSolutions-S1|NIST\.800\.53\.R5-(ELBLoggingEnabled|S3BucketLoggingEnabled)|elbv2_logging_enabled_check|s3_bucket_logging_enabled_check)$/,
    when: (r) => !r.edge.accessLogs && r.profile === 'dev',
    reason: 'dev keeps no access logs by the profile (edge.accessLogs: false); staging and prod do.',
  },
  {
    rule: /^(AwsSolutions-ECS4|ecs_container_insights_enabled_check)$/,
    when: (r) => r.profile === 'dev',
    reason: 'Container Insights costs per metric and is off in dev; staging and prod enable it.',
  },
  {
    rule: /^(NIST\.800\.53\.R5-ALBHttpToHttpsRedirection|NIST\.800\.53\.R5-ELBv2ACMCertificateRequired|alb_http_to_https_redirection_check)$/,
    when: (r) => !r.edge.https && r.profile !== 'prod',
    reason:
      'This environment serves plain HTTP by its profile (edge.https: false); staging and prod listen on HTTPS.',
  },
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda.*|AwsSolutions-(IAM4|L1).*)$/,
    resource: /^(Custom::S3AutoDeleteObjects|CustomS3AutoDeleteObjects)/,
    when: (r) => r.removal === 'destroy',
    reason:
      "The CDK's bucket-emptying function exists only where removal is 'destroy'; it talks to S3 alone and runs on stack deletion.",
  },
];

/** The reason a finding is acknowledged, or undefined when it is not. */
export function acknowledgementFor(
  finding: Pick<Finding, 'rule' | 'resource' | 'path'>,
  resolved: ResolvedApp,
): string | undefined {
  for (const a of ACKNOWLEDGEMENTS) {
    const ruleMatches =
      typeof a.rule === 'string'
        ? finding.rule === a.rule || finding.rule.startsWith(`${a.rule}[`)
        : a.rule.test(finding.rule);
    if (!ruleMatches) continue;
    if (a.resource && !a.resource.test(finding.path ?? '') && !a.resource.test(finding.resource)) continue;
    if (a.when && !a.when(resolved)) continue;
    return a.reason;
  }
  return undefined;
}
