import type { ResolvedAcknowledgement, ResolvedApp } from '@berthjs/config';
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
    resource: /^(Standby\/)?Edge\/SecurityGroup\//,
    when: anywhere,
    reason: "A public API's load balancer must accept the internet, and it does so on 80/443 only.",
  },
  {
    rule: 'NIST.800.53.R5-ELBv2ACMCertificateRequired',
    resource: /^(Standby\/)?Edge\/LoadBalancer\/Http\//,
    when: (r) => r.edge.https,
    reason: 'The HTTP listener only answers with a permanent redirect to HTTPS; it forwards nothing.',
  },
  {
    rule: 'NIST.800.53.R5-ALBWAFEnabled',
    when: (r) => !r.edge.waf,
    reason:
      'edge.waf is off in this environment (on by default in prod: ~$9/month + $0.60 per million requests); the security group limits who reaches the ALB.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: /^(Standby\/)?Service[A-Za-z0-9]+\/Deployment\/InfrastructureRole\//,
    reason:
      "elasticloadbalancing:DescribeListeners/DescribeRules/DescribeTargetGroups/DescribeTargetHealth have no resource-level permissions; the role's writes name this service's own listener rule, listener and target groups.",
  },
  {
    rule: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
    resource: /^(Standby\/)?Network\/Vpc\/PublicSubnet\d+\//,
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
    resource: /^((Standby\/)?Service[A-Za-z0-9]+\/TaskDefinition|Jobs\/[A-Za-z0-9]+TaskDefinition)\//,
    reason:
      "Plain env carries the contract's names, endpoints and ARNs only; Berth-SecretsNeverInPlainEnv proves no credential is among them.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: /^Service[A-Za-z0-9]+\/ExecutionRole\/DefaultPolicy\//,
    reason: 'ecr:GetAuthorizationToken, which every image pull needs, has no resource-level permissions.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: /^(Standby\/)?Service[A-Za-z0-9]+\/TaskRole\/DefaultPolicy\//,
    reason:
      "ECS Exec (services.<name>.exec): the four ssmmessages calls its agent makes (Create/Open Control/Data Channel) have no resource-level permissions; the task role's other statements name the service's own secret, buckets and mail identity.",
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::(\*|arn:<AWS::Partition>:(ecs|ssm):[^\]]*\/\*|arn:<AWS::Partition>:secretsmanager:[^\]]*-\?{6})\]$/,
    resource: /^(Standby\/)?Operator\/Policy\//,
    reason:
      "The operator policy (berth status, logs, exec, tunnel): ecs:ListTasks (conditioned on this cluster), ecs:DescribeTaskDefinition and cloudwatch:DescribeAlarms have no resource-level permissions; task ARNs exist only once ECS starts a task, so this cluster's tasks are named by wildcard; an SSM session's id is generated when it starts; Secrets Manager appends six random characters to a secret's name in its ARN (berth secrets names the config's secrets).",
  },
  {
    // Berth's own bucket (<BucketX.Arn>) or an existing one by name (buckets.<name>.existing), whose ARN Berth builds.
    rule: /^AwsSolutions-IAM5\[Resource::(<Bucket[A-Za-z0-9]+\.Arn>|arn:<AWS::Partition>:s3:::[a-z0-9.-]+)\/\*\]$/,
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
    rule: /^(AwsSolutions-RDS6|rds_(cluster|instance)_iam_authentication_enabled_check|NIST\.800\.53\.R5-RDSInstanceIAMAuth.*)$/,
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
    resource: /^(Cache\/(AuthToken|Connection)\/|Cache(AuthToken|Connection)$)/,
    reason:
      'Rotating an ElastiCache AUTH token needs a coordinated ModifyReplicationGroup that Berth does not automate yet; the token (and the cache URL that carries it) lives only in Secrets Manager and ECS secrets.',
  },
  {
    rule: /^(AwsSolutions-SMG4|NIST\.800\.53\.R5-SecretsManagerRotationEnabled)$/,
    resource: /^Secrets\/[A-Za-z0-9]+\/|^Secrets[A-Za-z0-9]+[0-9A-F]{8}$/,
    reason:
      "A generated application key (secrets.<NAME>.generate: a Flask or signing key) has no counterpart to rotate with: a new value signs out every session and voids every signature at once, so replacing it is the team's choice (berth secrets set --force, then a deploy), not a schedule.",
  },
  {
    rule: 'NIST.800.53.R5-SecretsManagerUsingKMSKey',
    reason:
      'Secrets use the AWS-managed aws/secretsmanager key; a customer key adds cost and key-policy work, and IAM already limits who can read them.',
  },
  // Cache
  {
    rule: /^(AwsSolutions-AEC5|AwsSolutions-RDS11|rds_instance_no_default_ports_check)$/,
    reason:
      'A non-default port is obscurity, not control: the cache and database security groups admit only the services that use them (and the bastion).',
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
    resource: /^((Standby\/)?Edge\/AccessLogs\/|(Standby)?EdgeAccessLogs[0-9A-F]{8}$)/,
    reason:
      'This is the log sink: logging it into itself would loop, and its objects are written once and expire after 90 days.',
  },
  // Profile differences: dev and staging trade these protections for cost on purpose; prod has every one.
  {
    rule: /^(AwsSolutions-RDS10|AwsSolutions-ELB\d*Deletion.*|NIST\.800\.53\.R5-(ELBDeletionProtectionEnabled|RDSInstanceDeletionProtectionEnabled)|elbv2_deletion_protection_enabled_check|rds_(cluster|instance)_deletion_protection_enabled_check)$/,
    when: (r) => !r.deletionProtection && r.profile !== 'prod',
    reason:
      'Deletion protection is off outside prod by the profile so short-lived environments can be torn down; prod turns it on.',
  },
  {
    rule: /^(AwsSolutions-RDS3|NIST\.800\.53\.R5-RDSMultiAZSupport|rds_instance_multi_az_support_check)$/,
    resource: /^(Database\/Instance\/|DatabaseInstance$)/,
    when: (r) => r.profile !== 'prod' && !r.database?.multiAz,
    reason:
      'Outside prod the database runs in one AZ by the profile (a standby instance doubles its cost); prod is Multi-AZ.',
  },
  {
    rule: 'rds_instance_backup_enabled_check',
    when: (r) => r.profile !== 'prod',
    reason:
      'Outside prod backups are kept for fewer days by the profile (backupRetention 1 in dev, 7 in staging); prod keeps 14.',
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
    when: (r) => !r.edge.https,
    reason:
      "This environment serves plain HTTP: by its profile, or, in prod, by the config's own edge.https: false (resolve refuses a prod with no certificate unless that is written).",
  },
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda.*|AwsSolutions-(IAM4|L1).*)$/,
    resource: /^(Custom::S3AutoDeleteObjects|CustomS3AutoDeleteObjects)/,
    when: (r) => r.removal === 'destroy',
    reason:
      "The CDK's bucket-emptying function exists only where removal is 'destroy'; it talks to S3 alone and runs on stack deletion.",
  },
  // Database (RDS instance engine, replicas, pilot light)
  {
    rule: /^(rds_storage_encrypted_kms_key_check|NIST\.800\.53\.R5-RDSStorageEncryptedKMS)$/,
    resource: /^(Database\/|DatabaseInstance$|DatabaseReadReplica$)/,
    reason:
      'The primary database is encrypted with the AWS-managed aws/rds key; a customer key adds cost and key-policy work and matters only for sharing snapshots across accounts, which Berth does not do.',
  },
  {
    rule: /^(AwsSolutions-RDS2|NIST\.800\.53\.R5-RDSStorageEncrypted)$/,
    resource:
      /^(Database\/ReadReplica\/|DatabaseReadReplica$|Standby\/DatabaseReplica|StandbyDatabaseReplica$)/,
    reason:
      'A read replica is encrypted because its source is (the primary sets StorageEncrypted, the cross-region replica names its KMS key); RDS rejects StorageEncrypted on a replica (cfn-lint E3020).',
  },
  {
    rule: /^(AwsSolutions-RDS3|NIST\.800\.53\.R5-RDSMultiAZSupport|rds_multi_az_support_check)$/,
    resource:
      /^(Database\/ReadReplica\/|DatabaseReadReplica$|Standby\/DatabaseReplica|StandbyDatabaseReplica$)/,
    reason:
      'A read replica is itself redundancy for the Multi-AZ primary; making the replica Multi-AZ too would double its cost for a copy that can be re-created from the primary.',
  },
  {
    rule: 'kms_create_grant_aws_service_check',
    resource: /^(Standby\/DatabaseKey\/|StandbyDatabaseKey[0-9A-F]{8}$)/,
    reason:
      "The standby replica's key keeps the CDK default policy (the account administers it through IAM) because RDS creates its grants for cross-region replication through the account's principals.",
  },
  // Jobs
  {
    rule: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecs:[a-z0-9-]+:(<AWS::AccountId>|\d{12}):task-definition\/[a-z0-9-]+:\*\]$/,
    resource: /^(Jobs\/SchedulerRole|Deployer\/Role)\/DefaultPolicy\//,
    reason:
      "RunTask must allow every revision of the app's own task definition families because each deploy registers a new revision; a condition pins the cluster.",
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecs:[a-z0-9-]+:(<AWS::AccountId>|\d{12}):task\/(<Cluster[A-Za-z0-9]+>\/)?\*\]$/,
    resource: /^(Jobs\/SchedulerRole|Deployer\/Role)\/DefaultPolicy\//,
    reason:
      "Task ARNs do not exist before RunTask creates them, so tagging at launch (ecs:CreateAction RunTask only) and describing or stopping one-off tasks name the cluster's tasks by wildcard.",
  },
  {
    rule: /^(AwsSolutions-SQS3|sqs_dlq_check)$/,
    resource:
      /^(Jobs\/DeadLetter\/|JobsDeadLetter[0-9A-F]{8}$|Mail\/EventsDeadLetter\/|MailEventsDeadLetter[0-9A-F]{8}$)/,
    reason:
      'This queue is itself a dead-letter queue; giving it another would only move the same failed messages again.',
  },
  {
    rule: /^(NIST\.800\.53\.R5-CloudWatchAlarmAction|cloudwatch_alarm_action_check)$/,
    when: (r) => r.alarms === null,
    reason:
      'This environment names no alarm recipient (alarms.emails or pagerduty, prod by default), so the alarm is shown on the dashboard and console without notifying anyone.',
  },
  // Networking choices
  {
    rule: 'ecs_service_assign_public_ip_disabled_check',
    when: (r) => r.network.publicTasks,
    reason:
      "Tasks in public subnets with public IPs replace NAT by the config's explicit choice (network.publicTasks, seed 003); their security group still admits only the load balancer.",
  },
  // Alarm and mail notifications
  {
    rule: /^(NIST\.800\.53\.R5-SNSEncryptedKMS|AwsSolutions-SNS2|sns_encrypted_kms_check)$/,
    resource:
      /^(Observability\/Alarms\/|ObservabilityAlarms[0-9A-F]{8}$|Mail\/Events\/|MailEvents[0-9A-F]{8}$)/,
    reason:
      'Alarm and bounce notifications are transient and the topics accept TLS only; CloudWatch and SES cannot publish with the AWS-managed SNS key, and a customer key per topic adds cost and a key policy per publisher.',
  },
  // EC2 capacity provider
  {
    rule: /^(AwsSolutions-IAM5\[(Action::ecs:Submit\*|Resource::\*)\])$/,
    resource: /^Ec2Capacity\/InstanceRole\/DefaultPolicy\//,
    reason:
      "These are the ECS agent's own permissions, generated by the CDK when the capacity provider joins the cluster; the agent's APIs (Submit*, Poll, DiscoverPollEndpoint) have no resource-level permissions.",
  },
  {
    rule: /^(AwsSolutions-AS3|autoscaling_mixed_instances_policy_multiple_instance_types_check|autoscaling_multiple_az_check)$/,
    resource: /^(Ec2Capacity\/|Ec2CapacityInstancesASG)/,
    reason:
      "ECS managed scaling drives this group and reports through ECS events; it spans the App subnets of every AZ, and one instance type keeps the capacity provider's task placement predictable.",
  },
  {
    rule: /^(ec2_launch_template_monitoring_enabled_check|ec2_instance_detailed_monitoring_enabled_check|AwsSolutions-EC28)$/,
    reason:
      'One-minute detailed EC2 monitoring costs ~$2 per instance-month; five-minute metrics, Container Insights and the service alarms cover these instances.',
  },
  // Bastion
  {
    rule: /^(AwsSolutions-EC29|ec2_instance_nitro_encryption_in_transit_check)$/,
    resource: /^(Bastion\/|BastionInstance[0-9A-F]{8}$)/,
    reason:
      'The bastion is disposable break-glass access with nothing on it (re-created by the next deploy), and every session inside it is already TLS (SSM) or SSH.',
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    resource: /^Bastion\/Role\//,
    reason:
      "AmazonSSMManagedInstanceCore is AWS's maintained minimum for Session Manager, the bastion's only way in without SSH.",
  },
  {
    rule: /^(NIST\.800\.53\.R5-EC2InstanceNoPublicIp|ec2_instance_no_public_ip_check|NIST\.800\.53\.R5-EC2InstancesInVPC)$/,
    resource: /^(Bastion\/|BastionInstance[0-9A-F]{8}$)/,
    when: (r) => (r.bastion?.allowedCidrs.length ?? 0) > 0,
    reason:
      "SSH to the bastion is the config's break-glass choice (keyName + allowedCidrs, seed 002) and needs a public IP; its security group admits port 22 from exactly those /32s.",
  },
  {
    rule: 'ec2_instance_no_public_ip_check',
    resource: /^(Bastion\/|BastionInstance[0-9A-F]{8}$)/,
    when: (r) => (r.bastion?.allowedCidrs.length ?? 0) === 0,
    reason:
      'The SSM-only bastion sits in a private subnet with no public IP; the rule wants an explicit AssociatePublicIpAddress false, which would move the instance into a network-interface block the NIST VPC check cannot read.',
  },
  // CloudFront (edge.cdn)
  {
    rule: 'AwsSolutions-CFR1',
    when: (r) => r.edge.cdn,
    reason:
      'Geo restriction is an app-specific choice Berth does not model; the ALB behind the distribution admits only CloudFront.',
  },
  {
    rule: /^(AwsSolutions-CFR2|NIST\.800\.53\.R5-CloudFront.*WAF.*)$/,
    when: (r) => r.edge.cdn && !r.edge.waf,
    reason:
      'edge.waf is off in this environment (on by default in prod); the ALB behind the distribution admits only CloudFront.',
  },
  {
    rule: /^(AwsSolutions-CFR3|cloudfront_access_logs_enabled_check)$/,
    when: (r) => r.edge.cdn,
    reason:
      'Caching is disabled, so every request reaches the ALB, whose access logs record it; CloudFront standard logs would also need an ACL-enabled bucket.',
  },
  {
    rule: /^(cloudfront_custom_ssl_certificate_check|cloudfront_sni_enabled_check)$/,
    when: (r) => r.edge.cdn && !!r.edge.domain,
    reason:
      "The distribution uses its own us-east-1 ACM certificate with sni-only; the rule cannot read a certificate ARN that arrives through the CDK's cross-region reference (Fn::GetAtt).",
  },
  {
    rule: /^(cloudfront_default_root_object_configured_check|cloudfront_origin_failover_enabled_check)$/,
    when: (r) => r.edge.cdn,
    reason:
      'The origin is an API behind a multi-AZ load balancer: there is no root object to serve, and no second origin that could answer for it.',
  },
  // Deployer
  {
    rule: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ecs:[a-z0-9-]+:(<AWS::AccountId>|\d{12}):service(-deployment\/<Cluster[A-Za-z0-9]+>\/<Service[A-Za-z0-9]+\.Name>)?\/\*\]$/,
    resource: /^Deployer\/Role\/DefaultPolicy\//,
    reason:
      "A service deployment's ARN exists only once ECS starts it, so following this app's deployments names them by wildcard under each of its services; the standby's services (another stack and region) are only described.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    resource: /^Deployer\/Role\/DefaultPolicy\//,
    reason:
      "ecr:GetAuthorizationToken and ecs:RegisterTaskDefinition/DescribeTaskDefinition have no resource-level permissions; every other deploy action names this app's own resources.",
  },
  // CDK cross-region references (CloudFront certificate, pilot light)
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda.*|AwsSolutions-(IAM4|IAM5|L1).*)$/,
    resource: /^(Custom::CrossRegionExport(Reader|Writer)|CustomCrossRegionExport(Reader|Writer))/,
    reason:
      "The CDK's cross-region reference functions only read and write SSM parameters at deploy time; they need no VPC and touch no app data.",
  },
  // The pilot light's routes in the primary region (constructs/peering.ts): the CDK's AwsCustomResource function
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda(Concurrency|DLQ|InsideVPC)|AwsSolutions-(IAM4|L1).*)$/,
    resource: /^AWS679f53fac002430cb0da5b7982bd2287/,
    when: (r) => !!r.standby,
    reason:
      "The standby's route-writing function runs only during CloudFormation deploys, in no VPC (it calls the EC2 API of the primary region), and may route only the primary's data-subnet route tables to this one peering connection; CloudFormation fails the deploy when it fails.",
  },
  // The production listener rule's function (canary, linear, blue/green: ECS owns the weights, aws-cdk#36649)
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda(Concurrency|DLQ|InsideVPC))$/,
    resource: /^(Standby\/)?Edge\/ProductionRuleHandler\/|^(Standby)?EdgeProductionRuleHandler[0-9A-F]{8}$/,
    reason:
      'The production-rule function runs only during CloudFormation deploys and calls the Elastic Load Balancing API alone: no VPC resource to reach, and CloudFormation fails the deploy when it fails, so a dead-letter queue or reserved concurrency would add nothing.',
  },
  {
    rule: 'AwsSolutions-L1',
    resource: /^(Standby\/)?Edge\/ProductionRuleHandler\/|^(Standby)?EdgeProductionRuleHandler[0-9A-F]{8}$/,
    reason:
      'The production-rule function is pinned to the Node.js runtime its code is tested on (nodejs24.x; Node.js 24 is maintained until April 2028); AwsSolutions-L1 asks for the newest runtime the installed aws-cdk-lib names, which a newer aws-cdk-lib can move before Berth or cfn-lint have checked it.',
  },
  {
    rule: /^AwsSolutions-IAM5\[Resource::(\*|.*:listener-rule\/.*\/\*)\]$/,
    resource: /^(Standby\/)?Edge\/ProductionRuleHandlerRole\//,
    reason:
      "elasticloadbalancing:DescribeRules has no resource-level permissions, and a rule's ARN exists only once CreateRule made it: the function may edit the rules of this one listener (listener-rule/<its listener>/*), nothing else.",
  },
  // Third-party mail senders' SMTP password function and secrets (constructs/mail-senders.ts)
  {
    rule: /^(lambda_inside_vpc_check|NIST\.800\.53\.R5-Lambda(Concurrency|DLQ|InsideVPC)|AwsSolutions-L1)$/,
    resource: /^MailSenders\/PasswordHandler\/|^MailSendersPasswordHandler[0-9A-F]{8}$/,
    reason:
      "The SMTP-password function runs only during CloudFormation deploys and calls the Secrets Manager API alone, on its senders' secrets: no VPC resource to reach, and CloudFormation fails the deploy when it fails, so a dead-letter queue or reserved concurrency would add nothing; it is pinned to the Node.js runtime its code is tested on (nodejs24.x).",
  },
  {
    rule: /^(AwsSolutions-SMG4|NIST\.800\.53\.R5-SecretsManagerRotationEnabled)$/,
    resource: /^MailSenders\/[A-Za-z0-9]+Secret\/|^MailSenders[A-Za-z0-9]+Secret[0-9A-F]{8}$/,
    reason:
      "A mail sender's secret holds SMTP credentials that live in the third party's settings too: Secrets Manager rotation could issue a new access key but not paste its password there, so rotating is replacing the sender (a new user and key) and updating the third party, by hand.",
  },
  // cfn-lint
  {
    rule: 'W3005',
    resource:
      /^(Custom::(S3AutoDeleteObjects|CrossRegionExport(Reader|Writer))CustomResourceProvider\/|Custom(S3AutoDeleteObjects|CrossRegionExport(Reader|Writer))CustomResourceProvider|AWS679f53fac002430cb0da5b7982bd2287)/,
    reason:
      "The CDK's own custom-resource provider writes this DependsOn beside the GetAtt that already orders it; the duplicate is harmless and not Berth's to edit.",
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

/**
 * The config's own acknowledgement (`acknowledgements` in berth.config.ts) that covers a finding: same rule (or the
 * rule with a `[detail]`), and, when it names a resource, the same logical id (with or without the CDK's hash
 * suffix), the same construct path, or a path under it.
 */
export function configAcknowledgementFor(
  finding: Pick<Finding, 'rule' | 'resource' | 'path'>,
  resolved: ResolvedApp,
): ResolvedAcknowledgement | undefined {
  return (resolved.acknowledgements ?? []).find((a) => {
    if (finding.rule !== a.rule && !finding.rule.startsWith(`${a.rule}[`)) return false;
    if (a.resource === undefined) return true;
    const path = finding.path ?? '';
    // A logical id may be written without the CDK's 8-character hash (ServiceApiTaskDefinition).
    const unhashed = /^(.+)[0-9A-F]{8}$/.exec(finding.resource)?.[1];
    return (
      finding.resource === a.resource ||
      unhashed === a.resource ||
      path === a.resource ||
      path.startsWith(`${a.resource}/`)
    );
  });
}
