import { RemovalPolicy } from 'aws-cdk-lib';
import type { ProfileName, RemovalPolicy as BerthRemoval } from '@berthjs/config';

/** Berth's removal setting → CDK's. A prod environment may never destroy: asserted here as well as in `resolve`. */
export function removalPolicyFor(removal: BerthRemoval, profile: ProfileName, path: string): RemovalPolicy {
  if (profile === 'prod' && removal === 'destroy') {
    throw new Error(
      `${path}: removal 'destroy' given for a prod environment; allowed in prod: 'retain', 'snapshot'`,
    );
  }
  return removal === 'retain'
    ? RemovalPolicy.RETAIN
    : removal === 'snapshot'
      ? RemovalPolicy.SNAPSHOT
      : RemovalPolicy.DESTROY;
}

/** S3 buckets and ECR repositories have no snapshot: 'snapshot' keeps them. */
export function removalPolicyWithoutSnapshot(
  removal: BerthRemoval,
  profile: ProfileName,
  path: string,
): RemovalPolicy {
  const policy = removalPolicyFor(removal, profile, path);
  return policy === RemovalPolicy.SNAPSHOT ? RemovalPolicy.RETAIN : policy;
}
