import { wildcardViolations } from '../iam/config-permissions';
import type { BerthRule } from './rule';

/**
 * The config's own permissions name what they grant: no `*` or `svc:*` action, no `*` resource on a data action
 * (DynamoDB, S3, SQS, KMS…), unless the config acknowledges the finding with a reason
 * (`acknowledgements: [{ rule: 'Berth-PermissionsScoped', resource: 'services.api.permissions.0', reason }]`).
 */
export const PermissionsScoped: BerthRule = {
  id: 'Berth-PermissionsScoped',
  description: "The config's permissions name their actions and, on data, their resources",
  severity: 'error',
  check: (input) => wildcardViolations(input.resolved),
};
