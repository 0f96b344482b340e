/**
 * What a deploy must know about a stack update that the template alone cannot show: resources a retried or
 * re-created stack has to adopt, and changes CloudFormation would apply in a way that breaks the environment. Pure
 * functions of templates and change-set entries, for `berth diff` and `berth deploy` (packages/cli) to call.
 */

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}
export interface UpdateTemplate {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
}

/** The property that names each resource type Berth gives a fixed name and keeps when its stack is deleted. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::RDS::GlobalCluster': 'GlobalClusterIdentifier',
  'AWS::IAM::OIDCProvider': 'Url',
};

export interface RetainedNamedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly name: string;
  /**
   * Whether CloudFormation's import-existing-resources can adopt it: the name is its primary identifier. The GitHub
   * OIDC provider's identifier is its (read-only) ARN, so it cannot; its RetainExceptOnCreate policy makes a
   * rolled-back create delete it instead.
   */
  readonly adoptable: boolean;
}

/**
 * Resources with a fixed name that outlive their stack (DeletionPolicy Retain or RetainExceptOnCreate): an ECR
 * repository, the `aws-waf-logs-*` log group, an Aurora global cluster, the GitHub OIDC provider. A create that
 * rolls back deletes those Berth created (RetainExceptOnCreate), but one kept by a deleted stack, or created by
 * `berth deploy` before the first deploy (a repository to push into), exists when the stack creates it: the deploy
 * must then use a change set with import-existing-resources (CreateChangeSet `ImportExistingResources: true`,
 * @aws-cdk/toolkit-lib `deploymentMethod: { method: 'change-set', importExistingResources: true }`), which adopts a
 * named resource that exists and belongs to no stack and creates the others as usual. Passing it on every deploy of
 * a template that has any of these is harmless: it only acts on resources the change set creates.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html
 */
export function retainedNamedResources(template: UpdateTemplate): RetainedNamedResource[] {
  const out: RetainedNamedResource[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources ?? {})) {
    const property = NAME_PROPERTY[r.Type];
    const name = property ? r.Properties?.[property] : undefined;
    if (typeof name !== 'string') continue;
    if (r.DeletionPolicy !== 'Retain' && r.DeletionPolicy !== 'RetainExceptOnCreate') continue;
    out.push({ logicalId, type: r.Type, name, adoptable: r.Type !== 'AWS::IAM::OIDCProvider' });
  }
  return out.sort((a, b) => a.logicalId.localeCompare(b.logicalId));
}

/** Whether a deploy of this template should create its change set with import-existing-resources. */
export function needsImportExistingResources(template: UpdateTemplate): boolean {
  return retainedNamedResources(template).some((r) => r.adoptable);
}

/**
 * One resource change, as a CloudFormation change set lists it (DescribeChangeSet `Changes[].ResourceChange`:
 * `Action`, `LogicalResourceId`, `ResourceType`, `Replacement`) or as `berth diff` does (`logicalId`, `type`,
 * `action`: 'replace' | 'may-replace' | …).
 */
export interface ResourceChangeEntry {
  readonly Action?: string;
  readonly LogicalResourceId?: string;
  readonly ResourceType?: string;
  /** 'True' | 'False' | 'Conditional' */
  readonly Replacement?: string;
  readonly logicalId?: string;
  readonly type?: string;
  readonly action?: string;
}

export interface RefusedChange {
  readonly logicalId: string;
  readonly reason: string;
}

const VPC_REPLACED =
  'replaces the VPC (network.cidr changed?). CloudFormation creates the new VPC and then updates the database, ' +
  'cache and load balancer in place onto subnets of the new VPC, which RDS and ELB refuse (a load balancer, a DB ' +
  'subnet group and a database cannot move between VPCs): the update fails and rolls back, or leaves them behind. ' +
  'A VPC CIDR is fixed for the life of an environment; keep network.cidr, or build a new environment beside ' +
  'this one and move the data to it.';

/**
 * Changes `berth diff` and `berth deploy` refuse before executing a change set: today, a replaced VPC (a
 * `network.cidr` change, the one VPC property of Berth's that replaces it). From a change set's entries or
 * `berth diff`'s.
 */
export function refusedChanges(changes: readonly ResourceChangeEntry[]): RefusedChange[] {
  const replaces = (c: ResourceChangeEntry) =>
    (c.Action === 'Modify' && (c.Replacement === 'True' || c.Replacement === 'Conditional')) ||
    c.action === 'replace' ||
    c.action === 'may-replace';
  return changes
    .filter((c) => (c.ResourceType ?? c.type) === 'AWS::EC2::VPC' && replaces(c))
    .map((c) => {
      const id = c.LogicalResourceId ?? c.logicalId ?? 'VPC';
      return { logicalId: id, reason: `${id}: this change ${VPC_REPLACED}` };
    });
}

/**
 * The same refusal offline, from the deployed template (`GetTemplate`) and the new one: a VPC of the same logical ID
 * whose CidrBlock differs is replaced.
 */
export function refusedTemplateChanges(deployed: UpdateTemplate, next: UpdateTemplate): RefusedChange[] {
  const out: RefusedChange[] = [];
  for (const [id, r] of Object.entries(next.Resources ?? {})) {
    if (r.Type !== 'AWS::EC2::VPC') continue;
    const before = deployed.Resources?.[id];
    if (before?.Type !== 'AWS::EC2::VPC') continue;
    const was = JSON.stringify(before.Properties?.CidrBlock);
    const is = JSON.stringify(r.Properties?.CidrBlock);
    if (was !== is)
      out.push({
        logicalId: id,
        reason: `${id}: CidrBlock ${was} → ${is} ${VPC_REPLACED}`,
      });
  }
  return out;
}
