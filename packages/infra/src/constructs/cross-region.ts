import { createHash } from 'node:crypto';
import type { Construct } from 'constructs';
import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * A value another region's stack reads through a CDK cross-region reference, under a key that changes whenever
 * `identity` does.
 *
 * Why: the CDK's export writer (aws-cdk-lib `cross-region-ssm-writer`), on a stack update, writes only the keys that
 * are new and deletes the removed ones, so a value that changes under the same key (the certificate's ARN after a
 * domain change replaced it) stays the old one in the consuming region. The key comes from the construct path of the
 * referenced resource: the value is carried by a parameter in this stack (a standard SSM parameter: free) whose
 * construct ID holds a hash of what decides the value, so a new value arrives under a new key. A first deploy after
 * this was introduced moves the value to a new key once; nothing is replaced.
 */
export function carriedAcrossRegions(
  scope: Construct,
  id: string,
  value: string,
  identity: readonly string[],
): string {
  const hash = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 8).toUpperCase();
  return new ssm.CfnParameter(scope, `${id}${hash}`, {
    type: 'String',
    value,
    description: `Carries ${id} to the stacks of other regions (cross-region reference keyed by its identity)`,
  }).attrValue;
}
