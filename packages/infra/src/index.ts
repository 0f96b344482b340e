export { buildApp, berthStacks, allStacks, type BuildAppOptions } from './app';
export {
  BerthStack,
  CdnCertificateStack,
  StandbyStack,
  availabilityZonesFor,
  deployerRoleName,
  mailConfigurationSetName,
  mailEventsQueueName,
  type BerthStackProps,
} from './stack';
export { Network, type NetworkProps } from './constructs/network';
export { Edge, rulePriority, type EdgeProps } from './constructs/edge';
export { Waf, clientIpHeaderFor, managedRuleGroups, type WafProps } from './constructs/waf';
export {
  ProgressiveDeployment,
  DEPLOYMENT_ALARM_DEFAULTS,
  deploymentServiceProps,
  type ProgressiveDeploymentProps,
} from './constructs/deployment';
export { Service, CapacityNotSupportedError, type ServiceProps } from './constructs/service';
export { Database, DATABASE_LOGICAL_IDS, type DatabaseProps } from './constructs/database';
export { Cache, CACHE_LOGICAL_IDS, type CacheProps } from './constructs/cache';
export { Buckets, bucketLogicalId, type BucketsProps } from './constructs/buckets';
export { Registry, type RegistryProps } from './constructs/registry';
export { Mail, type MailProps } from './constructs/mail';
export { Jobs, type JobsProps, type ScheduledJob } from './constructs/jobs';
export { Bastion, type BastionProps } from './constructs/bastion';
export { Ec2Capacity, type Ec2CapacityProps } from './constructs/capacity';
export { Observability, ALARM_DEFAULTS, type ObservabilityProps } from './constructs/observability';
export { Deployer, GITHUB_OIDC_HOST, githubSubject, type DeployerProps } from './constructs/deployer';
export {
  PilotLight,
  PilotLightStandby,
  STANDBY_LOGICAL_IDS,
  DATABASE_WRITER_PARAMETER,
  DATABASE_WRITER_MODES,
  type PilotLightProps,
  type PilotLightStandbyProps,
} from './constructs/pilot-light';
export { taskValueFor, type ContractStores, type TaskValue } from './contract-sources';
export { CLOUDFLARE_IPV4 } from './data/cloudflare';
export { CLOUDFRONT_PREFIX_LISTS } from './data/cloudfront';
export { synthesize, type SynthesizedStack } from './synthesize';
export { runChecks, lintApps, type CheckReport, type Finding } from './checks';
export { runChecksAsync } from './checks-async';
export { PROD_OPT_OUT_RULE } from './rules/ProdOptOut';
export { checkCacheDir } from './check-cache';
export {
  QUOTAS,
  quotaUsage,
  quotaPlaces,
  formatQuotas,
  type QuotaDefinition,
  type QuotaLine,
  type QuotaPlace,
  type QuotaTemplate,
  type QuotaUsage,
} from './quotas';
export {
  retainedNamedResources,
  needsImportExistingResources,
  refusedChanges,
  refusedTemplateChanges,
  type RetainedNamedResource,
  type ResourceChangeEntry,
  type RefusedChange,
  type UpdateTemplate,
} from './update-safety';
export { runCfnLint, lintRegionOf, CFN_LINT_INSTALL, type CfnLintMatch, type CfnLintRun } from './cfn-lint';
export {
  estimateCost,
  estimateStacks,
  estimateTemplate,
  stackTemplates,
  runsPerMonth,
  compareEstimates,
  costDrivers,
  PRICES,
  PRICES_AS_OF,
  PRICERS,
  PRICE_REGION,
  ASSUMPTIONS,
  REGION_MULTIPLIERS,
  HOURS_PER_MONTH,
  type CostEstimate,
  type CostLine,
  type ComparisonRow,
  type CostDriver,
  type Pricer,
  type CfnTemplate,
  type StackTemplate,
} from './cost/index';
export {
  diagramModel,
  diagramDot,
  diagramSvg,
  renderDot,
  type DiagramModel,
  type DiagramNode,
  type DiagramEdge,
} from './diagram/index';
export {
  isAllowed,
  TokenResolver,
  rolePolicies,
  trustPolicy,
  resourcePolicies,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type RequestContext,
  type RequestPrincipal,
} from './iam/index';
export {
  deployTimes,
  formatDeployTimes,
  formatSeconds,
  START_ALLOWANCE_SECONDS,
  type ServiceDeployTime,
  type DeployPhase,
} from './deploy-time';
