import { CertificateValidates } from './CertificateValidates';
import { CircuitBreakerWithRollback } from './CircuitBreakerWithRollback';
import { ContainerMatchesTargetGroup } from './ContainerMatchesTargetGroup';
import { ContractSatisfied } from './ContractSatisfied';
import { DeliveryProven } from './DeliveryProven';
import { HealthCheckNeedsNothing } from './HealthCheckNeedsNothing';
import { JobsCarryContract } from './JobsCarryContract';
import { PermissionsProven } from './PermissionsProven';
import { PermissionsScoped } from './PermissionsScoped';
import { PROD_OPT_OUT_RULE, ProdOptOut } from './ProdOptOut';
import { SecretsNeverInPlainEnv } from './SecretsNeverInPlainEnv';
import { StatefulNeverDestroyedInProd } from './StatefulNeverDestroyedInProd';
import type { BerthRule } from './rule';

export type { BerthRule, RuleInput, RuleViolation, Template, TemplateResource } from './rule';
export {
  CertificateValidates,
  CircuitBreakerWithRollback,
  ContainerMatchesTargetGroup,
  ContractSatisfied,
  DeliveryProven,
  HealthCheckNeedsNothing,
  JobsCarryContract,
  PermissionsProven,
  PermissionsScoped,
  PROD_OPT_OUT_RULE,
  ProdOptOut,
  SecretsNeverInPlainEnv,
  StatefulNeverDestroyedInProd,
};

/** Berth's own rules, run by `berth check` after the cdk-nag packs and the Control Tower guard rules. */
export const BERTH_RULES: readonly BerthRule[] = [
  ContractSatisfied,
  JobsCarryContract,
  ContainerMatchesTargetGroup,
  HealthCheckNeedsNothing,
  SecretsNeverInPlainEnv,
  StatefulNeverDestroyedInProd,
  CircuitBreakerWithRollback,
  PermissionsProven,
  PermissionsScoped,
  DeliveryProven,
  CertificateValidates,
  ProdOptOut,
];
