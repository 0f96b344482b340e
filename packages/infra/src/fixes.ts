import type { Finding } from './checks';

/**
 * What to change when a finding fires: the `berth.config.ts` setting that turns the rule compliant, or, where no
 * setting does, where the rule is documented. One row per rule family; the first match wins.
 */
interface Fix {
  readonly rule: RegExp;
  readonly fix: string;
}

const FIXES: readonly Fix[] = [
  {
    rule: /ALBHttpToHttpsRedirection|ELBv2ACMCertificateRequired|alb_http_to_https_redirection|ELBTlsHttpsListenersOnly/,
    fix: 'serve HTTPS: set edge.domain (a certificate is created) or edge.certificate (an ACM ARN) for this environment, in environments.<env>.overrides.edge',
  },
  {
    rule: /AwsSolutions-ELB2|ELBLoggingEnabled|elbv2_logging_enabled|AwsSolutions-S1\b|S3BucketLoggingEnabled|s3_bucket_logging_enabled/,
    fix: 'keep access logs: set edge.accessLogs: true (the staging and prod profile default)',
  },
  {
    rule: /S3BucketVersioningEnabled|s3_bucket_versioning_enabled/,
    fix: 'version the bucket: set buckets.<name>.versioned: true (the prod profile default)',
  },
  {
    rule: /RDSMultiAZSupport|rds_multi_az|AuroraMySQLPostgresIAMAuth|AwsSolutions-RDS(3|6)\b/,
    fix: 'run the database in two zones: set database.multiAz: true (the prod profile default)',
  },
  {
    rule: /RDSInBackupPlan|DBInstanceBackupEnabled|rds_.*backup|AwsSolutions-RDS11|RDSAutomaticMinorVersionUpgrade/,
    fix: 'keep backups: set database.backupRetention (days); the profiles set 1, 7 and 14',
  },
  {
    rule: /DeletionProtection|deletion_protection|AwsSolutions-RDS10/,
    fix: 'protect the database from deletion: set deletionProtection: true (the prod profile default)',
  },
  {
    rule: /AwsSolutions-ECS4|ecs_container_insights/,
    fix: 'turn Container Insights on: it follows the profile (on in staging and prod)',
  },
  {
    rule: /VPCFlowLogsEnabled|vpc_flow_logs|AwsSolutions-VPC7/,
    fix: 'log the network: set network.flowLogs: true (the default)',
  },
  {
    rule: /CloudWatchLogGroupRetentionPeriod|cw_loggroup_retention/,
    fix: 'keep logs for a set time: set logRetentionDays',
  },
  {
    rule: /ElastiCache.*(Encrypt|TLS|Transit)|elasticache_.*encrypt|AwsSolutions-AEC(5|6)/,
    fix: 'encrypt the cache in transit: set cache.tls: true (the prod profile default)',
  },
  {
    rule: /^Berth-ContractSatisfied|^Berth-JobsCarryContract/,
    fix: "give the task what the runtime reads: a service's env, secrets and port come from its services.<name> entry; a job's from jobs.<name>.service",
  },
  {
    rule: /^Berth-SecretsNeverInPlainEnv/,
    fix: 'move the value from services.<name>.env to services.<name>.secrets (delivered through ECS secrets, never plain env)',
  },
  {
    rule: /^Berth-StatefulNeverDestroyedInProd/,
    fix: "prod keeps its data: remove removal: 'destroy' from the prod environment",
  },
  {
    rule: /^Berth-CircuitBreakerWithRollback|^Berth-ContainerMatchesTargetGroup|^Berth-PermissionsProven/,
    fix: 'the template Berth generated breaks its own rule: report it with the output of berth check --json',
  },
  {
    rule: /^(AwsSolutions|NIST\.800\.53\.R5)-/,
    fix: 'no berth.config.ts setting changes this rule; its rationale: https://github.com/cdklabs/cdk-nag/blob/main/RULES.md',
  },
  {
    rule: /^ct-|_check$/,
    fix: 'no berth.config.ts setting changes this rule; its rationale: https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html',
  },
];

/** The change that would clear a finding, in the terms of berth.config.ts. */
export function fixFor(finding: Pick<Finding, 'rule'>): string | undefined {
  return FIXES.find((f) => f.rule.test(finding.rule))?.fix;
}
