import type { CfnResource, StackTemplate } from '../template';

/** One priced line: what, how many, at what unit price (per month), and the usage it assumes. */
export interface CostLine {
  readonly stack: string;
  readonly region: string;
  readonly logicalId: string;
  /** What is paid for, in words: `api: Fargate tasks (0.5 vCPU / 1 GB, x86_64, on demand)`. */
  readonly resource: string;
  /** The CloudFormation type it comes from. */
  readonly type: string;
  readonly count: number;
  /** USD per unit per month, region multiplier applied. */
  readonly unitPrice: number;
  readonly unit: string;
  /** count × unitPrice, unrounded. */
  readonly monthly: number;
  /** The usage this line assumes, when the template cannot say. */
  readonly assumption?: string;
  /** The AWS pricing page of the figure. */
  readonly source: string;
  /** Whether the stack's regional multiplier was applied (false: AWS charges the figure alike in every region). */
  readonly regional: boolean;
  /**
   * What the line is across environments, for `--compare`: the logical ID, or the resource type for a line that
   * counts every resource of a type (alarms, log groups), whose first logical ID differs from one stage to another.
   */
  readonly key: string;
  /** The config keys that move this line (`database.multiAz`); empty for usage the template cannot show. */
  readonly settings: readonly string[];
}

/** What a pricer reads (one stack's template) and writes (lines, warnings, the IDs it priced). */
export interface Ctx {
  readonly stack: StackTemplate;
  readonly multiplier: number;
  readonly lines: CostLine[];
  readonly warnings: string[];
  readonly priced: Set<string>;
  /** The pricer running: `add` refuses a line for a type it does not declare. */
  pricer?: Pricer;
}

/**
 * One concern of the estimate (cdk-nag's one-rule-per-file shape): the CloudFormation resource types it prices, and
 * how. Every pricer runs on every stack; a type no pricer declares and `FREE` does not list is reported as not priced.
 */
export interface Pricer {
  readonly name: string;
  readonly types: readonly string[];
  price(ctx: Ctx): void;
}

/** One line to add: prices are us-east-1 list prices, scaled by the stack's regional multiplier. */
export interface LineInput {
  /** Logical ID the line belongs to (`<id>/<part>` for a second line of one resource). */
  readonly id: string;
  readonly type: string;
  readonly resource: string;
  readonly count: number;
  /** USD per unit per month in us-east-1. */
  readonly unitPrice: number;
  readonly unit: string;
  readonly source: string;
  readonly assumption?: string | undefined;
  /** False when every figure of the line is one AWS charges alike in every region (`Price.everyRegion`). */
  readonly regional?: boolean;
  /** See `CostLine.key`. @default id */
  readonly key?: string;
  /** See `CostLine.settings`. @default [] */
  readonly settings?: readonly string[];
}

export function add(ctx: Ctx, line: LineInput): void {
  if (ctx.pricer && !ctx.pricer.types.includes(line.type))
    throw new Error(`pricer ${ctx.pricer.name} priced ${line.type}, which it does not declare`);
  ctx.priced.add(line.id);
  const regional = line.regional ?? true;
  const unitPrice = regional ? line.unitPrice * ctx.multiplier : line.unitPrice;
  ctx.lines.push({
    stack: ctx.stack.stackName,
    region: ctx.stack.region,
    logicalId: line.id,
    resource: line.resource,
    type: line.type,
    count: line.count,
    unitPrice,
    unit: line.unit,
    monthly: line.count * unitPrice,
    ...(line.assumption ? { assumption: line.assumption } : {}),
    source: line.source,
    regional,
    key: line.key ?? line.id,
    settings: line.settings ?? [],
  });
}

/** The service a task family belongs to: `revendiste-prod-backend` in stack `revendiste-prod` → `backend`. */
export function serviceName(ctx: Ctx, family: string): string {
  const prefix = `${ctx.stack.stackName.replace(/-(standby|certificate)$/, '')}-`;
  return family.startsWith(prefix) ? family.slice(prefix.length) : family;
}

export function res(ctx: Ctx, id: string | undefined): CfnResource | undefined {
  return id ? ctx.stack.template.Resources?.[id] : undefined;
}

export function props(r: CfnResource | undefined): Record<string, unknown> {
  return (r?.Properties ?? {}) as Record<string, unknown>;
}
