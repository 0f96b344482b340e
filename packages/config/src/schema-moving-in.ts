import { z } from 'zod';

/**
 * Schema pieces for moving an app in with its data and its permissions (issue 28): a database restored from a
 * snapshot, a bucket and a VPC that already exist, and IAM statements beyond what `uses` grants.
 */

/**
 * `database.snapshot`: restore from this DB snapshot (RDS) or DB cluster snapshot (Aurora) when the database is
 * created; changing it later replaces the database. @default - an empty database
 */
export const snapshotSchema = z.strictObject({
  /**
   * ARN of the snapshot, required for one shared from another account
   * (`arn:aws:rds:<region>:<account>:snapshot:<name>` or `…:cluster-snapshot:<name>`).
   */
  arn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(cluster-)?snapshot:[A-Za-z0-9:_-]+$/,
      'an RDS snapshot ARN such as arn:aws:rds:eu-west-1:111122223333:snapshot:connect-2026-12-01',
    )
    .optional(),
  /** Identifier of a snapshot in this account and region, e.g. 'connect-final-2026-12-01'. */
  id: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9:-]{0,254}$/, "a snapshot identifier such as 'connect-final-2026-12-01'")
    .optional(),
  /**
   * ARN of the KMS key the snapshot is encrypted with, when it is a customer managed key (always for a snapshot
   * shared from another account: that key must grant this account kms:Decrypt, kms:CreateGrant, kms:DescribeKey).
   * @default - the snapshot's own key, in this account
   */
  kmsKey: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-f0-9-]+$/,
      'a KMS key ARN such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    )
    .optional(),
  /**
   * The snapshot's master user: a restore cannot change it. Berth's secret is generated for this user and the
   * restore resets its password to the generated one (rotation keeps working).
   */
  username: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, "the snapshot's master user name such as 'postgres'"),
});

/** A VPC the team keeps: Berth creates no VPC, NAT or subnets, only its security groups and services in it. */
export const existingNetworkSchema = z.strictObject({
  /** e.g. 'vpc-0abc1234def567890'. */
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "a VPC id such as 'vpc-0abc1234def567890'"),
  /** The VPC's IPv4 CIDR, for the interface endpoints' security group, e.g. '10.20.0.0/16'. */
  cidr: z.string(),
  /** One public subnet per AZ (the load balancer's), in the order of `availabilityZones`. */
  publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "a subnet id such as 'subnet-0abc…'")),
  /** One private subnet per AZ with a way out (NAT) for tasks, same order. */
  privateSubnetIds: z.array(
    z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "a subnet id such as 'subnet-0abc…'"),
  ),
  /** One isolated subnet per AZ for the database and cache. @default - the private subnets */
  dataSubnetIds: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "a subnet id such as 'subnet-0abc…'"))
    .optional(),
  /** The subnets' AZs, one per subnet, e.g. ['eu-west-1a', 'eu-west-1b']. @default - the stack's first N AZs */
  availabilityZones: z
    .array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, "an AZ such as 'eu-west-1a'"))
    .optional(),
});

/** An IAM statement added to a task role, e.g. the source system's DynamoDB table. */
export const permissionSchema = z.strictObject({
  /** IAM actions: 'dynamodb:GetItem', 'dynamodb:Get*'. '*' or 'dynamodb:*' need an acknowledgement in `berth check`. */
  actions: z.array(z.string()).min(1),
  /** Resource ARNs. '*' on a data action needs an acknowledgement in `berth check`. */
  resources: z.array(z.string().min(1)).min(1),
  /** IAM condition block: operator → key → value(s), e.g. { StringEquals: { 'aws:ResourceAccount': '1111…' } }. */
  conditions: z
    .record(
      z.string(),
      z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean(), z.number()])),
    )
    .optional(),
});

/** `buckets.<name>.existing`: the name of a bucket the team keeps; Berth grants on it and creates none. */
export const existingBucketSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name such as 'connect-documents-prod'");
