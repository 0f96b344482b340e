import { pascal } from './names';

/**
 * Output keys a runbook (and `berth status | logs | exec | tunnel`) can rely on. They are the CloudFormation output
 * keys as written (each output's logical ID is overridden, so they do not carry the CDK's hash suffix) and they
 * never change between releases. Per service and job, `<Pascal>` is the name in PascalCase (`send-reminders` →
 * `SendReminders`).
 */
export const OUTPUT_KEYS = Object.freeze({
  cluster: 'ClusterName',
  serviceName: (service: string) => `Service${pascal(service)}Name`,
  serviceLogGroup: (service: string) => `Service${pascal(service)}LogGroup`,
  jobLogGroup: (job: string) => `Job${pascal(job)}LogGroup`,
  /** The log stream prefix of a job's tasks (`job-<name>`): its streams are `<prefix>/<container>/<task id>`. */
  jobLogStreamPrefix: (job: string) => `Job${pascal(job)}LogStreamPrefix`,
  bastionInstanceId: 'BastionInstanceId',
  databaseEndpoint: 'DatabaseEndpoint',
  databasePort: 'DatabasePort',
  databaseName: 'DatabaseName',
  /** The Aurora cluster's or the RDS instance's identifier. */
  databaseIdentifier: 'DatabaseIdentifier',
  /** `cluster` (Aurora) or `instance` (RDS): which RDS Describe call knows it. */
  databaseKind: 'DatabaseKind',
  databaseSecretArn: 'DatabaseSecretArn',
  cacheEndpoint: 'CacheEndpoint',
  cachePort: 'CachePort',
  cacheTls: 'CacheTls',
  cacheAuthSecretArn: 'CacheAuthSecretArn',
  /** The customer managed policy with what `berth status | logs | exec | tunnel` call. */
  operatorPolicyArn: 'OperatorPolicyArn',
});

/** A deployed stack's outputs as a map (`DescribeStacks` → Outputs), key → value. */
export type StackOutputs = Readonly<Record<string, string>>;
