import { applyTypeOf, type ApplyType } from '@berthjs/config';

/**
 * Engine parameter changes in a parameter group, with when each takes effect. "Changes to dynamic parameters are
 * applied to the DB instance immediately without a reboot. Changes to static parameters are applied only after the DB
 * instance is rebooted" (the console shows the group as pending-reboot),
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.Modifying.html; the apply types are the
 * ones `berth check` notes (@berthjs/config's parameters.ts), not a second list.
 */
export interface ParameterChange {
  readonly name: string;
  readonly action: 'add' | 'update' | 'remove';
  readonly before?: string;
  readonly after?: string;
  readonly applyType: ApplyType;
  /** Static: the deploy stores it, the engine takes it at its next reboot. */
  readonly needsReboot: boolean;
}

/** Each parameter group type, the property holding its parameters, and what it configures. */
const GROUPS: Readonly<Record<string, { property: string; kind: 'database' | 'cache' }>> = {
  'AWS::RDS::DBParameterGroup': { property: 'Parameters', kind: 'database' },
  'AWS::RDS::DBClusterParameterGroup': { property: 'Parameters', kind: 'database' },
  'AWS::ElastiCache::ParameterGroup': { property: 'Properties', kind: 'cache' },
};

/** What each parameter group's resource configures, or undefined for any other type. */
export function parameterGroupKind(type: string): 'database' | 'cache' | undefined {
  return GROUPS[type]?.kind;
}

/** The parameters a change of a parameter group adds, changes or removes, by name; [] for any other type. */
export function parameterChanges(
  type: string,
  before: { Properties?: Record<string, unknown> } | undefined,
  after: { Properties?: Record<string, unknown> } | undefined,
): ParameterChange[] {
  const group = GROUPS[type];
  if (!group || !before || !after) return [];
  const was = values(before.Properties?.[group.property]);
  const is = values(after.Properties?.[group.property]);
  const out: ParameterChange[] = [];
  for (const name of [...new Set([...Object.keys(was), ...Object.keys(is)])].sort()) {
    const [b, a] = [was[name], is[name]];
    if (b === a) continue;
    const applyType = applyTypeOf(group.kind, name);
    out.push({
      name,
      action: b === undefined ? 'add' : a === undefined ? 'remove' : 'update',
      ...(b === undefined ? {} : { before: b }),
      ...(a === undefined ? {} : { after: a }),
      applyType,
      needsReboot: applyType === 'static',
    });
  }
  return out;
}

/** One line per changed parameter, for the text and Markdown reports. */
export function formatParameterChange(kind: 'database' | 'cache', p: ParameterChange): string {
  const what =
    p.action === 'add'
      ? `+ ${p.name} = ${p.after}`
      : p.action === 'remove'
        ? `- ${p.name} (was ${p.before})`
        : `~ ${p.name}: ${p.before} → ${p.after}`;
  const when =
    p.applyType === 'static'
      ? `static; needs a reboot: takes effect at the next reboot of the ${kind}, not by the deploy`
      : p.applyType === 'dynamic'
        ? 'dynamic; applied by the deploy'
        : p.applyType === 'creation'
          ? 'taken only when the cache is created; ElastiCache refuses a change later'
          : `apply type unknown to Berth; ${kind === 'database' ? 'aws rds describe-db-parameters' : 'aws elasticache describe-cache-parameters'} shows whether it needs a reboot`;
  return `${what} (${when})`;
}

/** Parameter values as strings; a value CloudFormation resolves at deploy time (an intrinsic) as its JSON. */
function values(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]),
  );
}
