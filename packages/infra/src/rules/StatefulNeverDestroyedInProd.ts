import { resourcesOfType, type BerthRule, type RuleViolation } from './rule';

/** Types holding data that a stack deletion must not take with it. */
export const STATEFUL_TYPES = Object.freeze([
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::S3::Bucket',
  'AWS::ECR::Repository',
]);

/** In a prod environment every stateful resource is retained or snapshotted when deleted or replaced. */
export const StatefulNeverDestroyedInProd: BerthRule = {
  id: 'Berth-StatefulNeverDestroyedInProd',
  description: 'Stateful resources are never deleted with a prod stack',
  severity: 'error',
  check(input) {
    if (input.resolved.profile !== 'prod') return [];
    const out: RuleViolation[] = [];
    for (const type of STATEFUL_TYPES) {
      for (const [id, r] of resourcesOfType(input.template, type)) {
        // Aurora instances inherit the cluster's snapshot; their own policy is Delete by design.
        if (type === 'AWS::RDS::DBInstance' && r.Properties?.DBClusterIdentifier) continue;
        for (const key of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
          const policy = r[key] ?? 'Delete';
          if (policy === 'Delete')
            out.push({
              resource: id,
              message: `${type} has ${key} ${policy}; prod allows Retain or Snapshot`,
            });
        }
      }
    }
    return out;
  },
};
