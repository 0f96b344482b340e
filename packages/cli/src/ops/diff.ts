import {
  fullDiff,
  ResourceImpact,
  type ResourceDifference,
  type TemplateDiff,
} from '@aws-cdk/cloudformation-diff';
import { refusedChanges } from '@berthjs/infra';
import {
  formatParameterChange,
  parameterChanges,
  parameterGroupKind,
  type ParameterChange,
} from './diff-parameters';

/** One stack's CloudFormation template, where it deploys. */
export interface StackTemplate {
  readonly stackName: string;
  /** The stack's region, when the assembly says (a standby stack deploys to its own). */
  readonly region?: string;
  readonly template: Readonly<Record<string, unknown>>;
}

/**
 * The resource types whose replacement or removal loses data (or the one copy of a secret or image): a policy, not
 * CloudFormation semantics. Whether a change replaces a resource comes from the registry schema (through
 * @aws-cdk/cloudformation-diff), never from this list.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::CacheCluster',
  'AWS::ElastiCache::ServerlessCache',
  'AWS::MemoryDB::Cluster',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::ECR::Repository',
  'AWS::Logs::LogGroup',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::KMS::Key',
  'AWS::EFS::FileSystem',
  'AWS::Cognito::UserPool',
]);

/** CDK's own bookkeeping: it changes with the library version and deploys nothing. */
const IGNORED_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);

export type ChangeAction = 'add' | 'update' | 'replace' | 'may-replace' | 'remove' | 'orphan' | 'import';

export interface ResourceChange {
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path (`prod/App/Database/Cluster/Resource`), from the template's aws:cdk:path metadata. */
  readonly path?: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Properties (and attributes such as DeletionPolicy) that change. */
  readonly properties: readonly string[];
  /** The changed properties that force the replacement, per the resource type's registry schema. */
  readonly replacedBy: readonly string[];
  readonly stateful: boolean;
  /** Replaces or removes a stateful resource: `berth deploy` refuses it unless named with --allow-replace. */
  readonly destructive: boolean;
  /** A parameter group's changed engine parameters, each with its apply type (static ones need a reboot). */
  readonly parameters?: readonly ParameterChange[];
}

export interface StackDiff {
  readonly stack: string;
  readonly region?: string;
  readonly resources: readonly ResourceChange[];
  /** IAM statement and managed-policy changes, as rows (the first row is the header). */
  readonly iam: readonly (readonly string[])[];
  /** Security-group rule changes, as rows (the first row is the header). */
  readonly securityGroups: readonly (readonly string[])[];
  /** IAM permissions added or security-group rules added: access widens. */
  readonly widensAccess: boolean;
  /** Stack outputs added, changed or removed. */
  readonly outputs: readonly { readonly name: string; readonly action: 'add' | 'update' | 'remove' }[];
}

/** A change `berth deploy` refuses whatever the flags, because CloudFormation cannot carry it out (a replaced VPC). */
export interface RefusedChange {
  readonly stack: string;
  readonly logicalId: string;
  readonly reason: string;
}

export interface DiffReport {
  readonly stacks: readonly StackDiff[];
  /** From @berthjs/infra's update-safety rules: refused outright (exit 4), --allow-replace does not apply. */
  readonly refused: readonly RefusedChange[];
  /** Resource and output changes, all stacks. */
  readonly changes: number;
  readonly destructive: readonly ResourceChange[];
  readonly widensAccess: boolean;
  /** Static engine parameters that change: the deploy stores them, the database or cache takes them at its next reboot. */
  readonly needsReboot: readonly {
    readonly stack: string;
    readonly logicalId: string;
    readonly kind: 'database' | 'cache';
    readonly parameter: string;
  }[];
}

const ACTION: Readonly<Record<ResourceImpact, ChangeAction | undefined>> = {
  [ResourceImpact.WILL_CREATE]: 'add',
  [ResourceImpact.WILL_UPDATE]: 'update',
  [ResourceImpact.WILL_REPLACE]: 'replace',
  [ResourceImpact.MAY_REPLACE]: 'may-replace',
  [ResourceImpact.WILL_DESTROY]: 'remove',
  [ResourceImpact.WILL_ORPHAN]: 'orphan',
  [ResourceImpact.WILL_IMPORT]: 'import',
  [ResourceImpact.NO_CHANGE]: undefined,
};

const LOSES_DATA: ReadonlySet<ChangeAction> = new Set(['replace', 'may-replace', 'remove', 'orphan']);

/** Compares two sets of stacks by stack name: a stack only in `head` is all additions, only in `base` all removals. */
export function diffStacks(base: readonly StackTemplate[], head: readonly StackTemplate[]): DiffReport {
  const names = [...new Set([...head.map((s) => s.stackName), ...base.map((s) => s.stackName)])];
  const stacks = names.map((name) => {
    const before = base.find((s) => s.stackName === name);
    const after = head.find((s) => s.stackName === name);
    const region = after?.region ?? before?.region;
    return diffStack(name, before?.template ?? {}, after?.template ?? {}, region);
  });
  return summarize(stacks);
}

/** The report over classified stacks: counts, destructive changes, refused changes. */
export function summarize(stacks: readonly StackDiff[]): DiffReport {
  const destructive = stacks.flatMap((s) => s.resources.filter((r) => r.destructive));
  const refused = stacks.flatMap((s) =>
    refusedChanges(s.resources).map((r) => ({ stack: s.stack, logicalId: r.logicalId, reason: r.reason })),
  );
  return {
    stacks,
    refused,
    changes: stacks.reduce((n, s) => n + s.resources.length + s.outputs.length, 0),
    destructive,
    widensAccess: stacks.some((s) => s.widensAccess),
    needsReboot: stacks.flatMap((s) =>
      s.resources.flatMap((r) =>
        (r.parameters ?? [])
          .filter((p) => p.needsReboot)
          .map((p) => ({
            stack: s.stack,
            logicalId: r.logicalId,
            kind: parameterGroupKind(r.type) ?? 'database',
            parameter: p.name,
          })),
      ),
    ),
  };
}

/** One stack: `fullDiff` decides what each change does (the registry schema's replacement semantics). */
export function diffStack(
  stack: string,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  region?: string,
): StackDiff {
  return fromTemplateDiff(stack, fullDiff(before, after), region);
}

/** Classifies a TemplateDiff (ours, or the one the CDK toolkit computed from its change set). */
export function fromTemplateDiff(stack: string, diff: TemplateDiff, region?: string): StackDiff {
  const resources: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const c = classify(stack, logicalId, change);
    if (c) resources.push(c);
  });
  const outputs = diff.outputs.logicalIds.map((name) => {
    const o = diff.outputs.get(name);
    return { name, action: o.isAddition ? 'add' : o.isRemoval ? 'remove' : 'update' } as const;
  });
  return {
    stack,
    ...(region ? { region } : {}),
    resources,
    iam: diff.iamChanges.hasChanges ? plain(diff.iamChanges.summarizeStatements()) : [],
    securityGroups: diff.securityGroupChanges.hasChanges ? plain(diff.securityGroupChanges.summarize()) : [],
    widensAccess: diff.iamChanges.permissionsBroadened || diff.securityGroupChanges.rulesAdded,
    outputs,
  };
}

function classify(stack: string, logicalId: string, change: ResourceDifference): ResourceChange | undefined {
  const type = change.newResourceType ?? change.oldResourceType ?? 'unknown';
  if (IGNORED_TYPES.has(type)) return undefined;
  const action = ACTION[change.changeImpact];
  if (!action) return undefined;
  const properties: string[] = [];
  const replacedBy: string[] = [];
  change.forEachDifference((kind, name, value) => {
    properties.push(kind === 'Property' ? name : `(${name})`);
    const impact = (value as { changeImpact?: ResourceImpact }).changeImpact;
    if (impact === ResourceImpact.WILL_REPLACE || impact === ResourceImpact.MAY_REPLACE)
      replacedBy.push(name);
  });
  const metadata = (change.newValue ?? change.oldValue)?.Metadata as Record<string, unknown> | undefined;
  const path = typeof metadata?.['aws:cdk:path'] === 'string' ? metadata['aws:cdk:path'] : undefined;
  const stateful =
    STATEFUL_TYPES.has(type) ||
    (change.oldResourceType !== undefined && STATEFUL_TYPES.has(change.oldResourceType));
  const parameters = parameterChanges(type, change.oldValue, change.newValue);
  return {
    stack,
    logicalId,
    ...(path ? { path } : {}),
    type,
    action,
    properties,
    replacedBy,
    stateful,
    destructive: stateful && LOSES_DATA.has(action),
    ...(parameters.length ? { parameters } : {}),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function plain(rows: string[][]): string[][] {
  return rows.map((row) => row.map((cell) => String(cell).replace(ANSI, '')));
}

/** Whether `--allow-replace <name>` names this change: its logical ID, its construct path, or the path's owner. */
export function isAllowed(change: ResourceChange, allowed: readonly string[]): boolean {
  const names = new Set([change.logicalId, `${change.stack}/${change.logicalId}`]);
  if (change.path) {
    names.add(change.path);
    names.add(change.path.replace(/\/(Resource|Default)$/, ''));
  }
  return allowed.some((a) => names.has(a.trim()));
}

const MARK: Readonly<Record<ChangeAction, string>> = {
  add: '+ add',
  update: '~ update',
  replace: '! REPLACE',
  'may-replace': '! MAY REPLACE',
  remove: '- remove',
  orphan: '- orphan',
  import: '< import',
};

/** The report for a person: per stack, additions, changes, removals; what loses data or widens access, loudly. */
export function formatDiff(report: DiffReport, title: string): string {
  const lines: string[] = [];
  if (!report.changes) {
    lines.push(`${title}: no changes`);
    return lines.join('\n');
  }
  for (const s of report.stacks) {
    const count = (a: ChangeAction[]) => s.resources.filter((r) => a.includes(r.action)).length;
    const head = `${s.stack}${s.region ? ` (${s.region})` : ''}`;
    if (!s.resources.length && !s.outputs.length) {
      lines.push(`${head}: no changes`);
      continue;
    }
    lines.push(
      `${head}: ${count(['add', 'import'])} to add, ${count(['update', 'replace', 'may-replace'])} to change, ${count(['remove', 'orphan'])} to remove`,
    );
    const order: ChangeAction[] = ['replace', 'may-replace', 'remove', 'orphan', 'update', 'add', 'import'];
    const sorted = [...s.resources].sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
    for (const r of sorted) {
      const where = r.path ? ` (${r.path})` : '';
      const what =
        r.action === 'add' || r.action === 'remove' || r.action === 'orphan' || !r.properties.length
          ? ''
          : `: ${r.properties.join(', ')}`;
      const why = r.replacedBy.length ? `; replaced because ${r.replacedBy.join(', ')} changed` : '';
      lines.push(`  ${MARK[r.action].padEnd(14)}${r.type} ${r.logicalId}${where}${what}${why}`);
      for (const x of report.refused.filter((x) => x.stack === r.stack && x.logicalId === r.logicalId))
        lines.push(`  !!! REFUSED: ${x.reason}`);
      const kind = parameterGroupKind(r.type);
      for (const p of kind ? (r.parameters ?? []) : [])
        lines.push(`      ${formatParameterChange(kind!, p)}`);
      if (r.destructive) {
        lines.push(
          `  !!! DESTRUCTIVE: ${r.action === 'orphan' ? 'the stack lets go of' : r.action.includes('replace') ? 'a new, empty resource replaces' : 'deletes'} ${r.type} ${r.logicalId}, which holds data. berth deploy refuses this unless --allow-replace ${r.logicalId}`,
        );
      }
    }
    for (const o of s.outputs) lines.push(`  ${MARK[o.action].padEnd(14)}output ${o.name}`);
    if (s.iam.length) {
      lines.push(
        s.widensAccess ? '  !!! IAM: permissions WIDEN (review every + row):' : '  IAM statement changes:',
      );
      lines.push(...table(s.iam));
    }
    if (s.securityGroups.length) {
      lines.push(
        s.widensAccess ? '  !!! Security groups: rules change (review every + row):' : '  Security groups:',
      );
      lines.push(...table(s.securityGroups));
    }
  }
  const d = report.destructive.length;
  const refused = report.refused.length
    ? `, ${report.refused.length} REFUSED (${report.refused.map((r) => r.logicalId).join(', ')})`
    : '';
  lines.push(
    `${title}: ${report.changes} change${report.changes === 1 ? '' : 's'}${d ? `, ${d} DESTRUCTIVE (${report.destructive.map((r) => r.logicalId).join(', ')})` : ''}${refused}${report.widensAccess ? ', widens access' : ''}${report.needsReboot.length ? `, ${report.needsReboot.length} NEED${report.needsReboot.length === 1 ? 'S' : ''} A REBOOT (${report.needsReboot.map((n) => n.parameter).join(', ')})` : ''}`,
  );
  return lines.join('\n');
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').split('\n')[0]!.length))) ?? [];
  return rows.map(
    (r) =>
      `    ${r
        .map((c, i) => c.replace(/\n/g, ' ').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}`,
  );
}
