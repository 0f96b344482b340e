/** Resolved shapes of the moving-in settings (schema-moving-in.ts). */

/** An IAM statement the config adds to a task role. */
export interface ResolvedPermission {
  /** Where the config declares it, e.g. `jobs.sync.permissions.0`: what a finding and an acknowledgement name. */
  readonly from: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[] | boolean | number>>>
  >;
}

/** The snapshot a database is restored from when it is created. */
export interface ResolvedSnapshot {
  /** What CloudFormation's DBSnapshotIdentifier / SnapshotIdentifier receives: the ARN when shared, else the id. */
  readonly identifier: string;
  /** Whether it is shared from another account (by ARN, with another account id than this environment's). */
  readonly shared: boolean;
  /** The customer managed key it is encrypted with, when given. */
  readonly kmsKey?: string;
  /** The snapshot's master user, which the generated secret is for. */
  readonly username: string;
  /** What `berth diff` and the reader should know: a change replaces the database. */
  readonly note: string;
}

/** A VPC the team keeps, referenced by id. */
export interface ResolvedExistingNetwork {
  readonly vpcId: string;
  readonly cidr: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  /** Where the database and cache live: the data subnets, else the private ones. */
  readonly dataSubnetIds: readonly string[];
  /** One per subnet; absent: the stack's own first N AZs. */
  readonly availabilityZones?: readonly string[];
}
