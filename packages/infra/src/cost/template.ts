/** The parts of a synthesized CloudFormation template that pricing and drawing read. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Condition?: string;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

/** One synthesized stack: its name, region and template. A stage may hold more than one (the standby region). */
export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

/** `{ Ref: X }` or `{ 'Fn::GetAtt': [X, …] }` → X; anything else → undefined. */
export function refId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical ID referenced (Ref / GetAtt) anywhere inside a value. */
export function referencedIds(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, out);
  } else if (value && typeof value === 'object') {
    const id = refId(value);
    if (id) out.add(id);
    for (const v of Object.values(value)) referencedIds(v, out);
  }
  return out;
}

/** Resources of one type, as [logicalId, resource] pairs in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** A number from a property that may be a string ("512") or a number; undefined for tokens. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** A plain string property; undefined for intrinsic functions. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `ServiceApiService440EF714` → `ServiceApiService`: the CDK's 8-hex hash suffix removed, for readable labels. */
export function readableId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}
