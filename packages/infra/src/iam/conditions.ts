import type { ContextValue, RequestContext } from './evaluate';
import { arnMatches, globMatches } from './match';

/**
 * The condition operators Berth's templates use (and their negations, `IfExists` and the set prefixes), as
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * describe them: operators in one block AND together, keys in one operator AND together, values of one key OR
 * together; a negated operator holds when none of its values matches. A key absent from the request fails a
 * positive operator, holds for a negated one, and holds for any `…IfExists` operator.
 */
type Compare = (pattern: string, value: string) => boolean;

const COMPARISONS: Readonly<Record<string, { readonly compare: Compare; readonly negated: boolean }>> = {
  StringEquals: { compare: (p, v) => p === v, negated: false },
  StringNotEquals: { compare: (p, v) => p === v, negated: true },
  StringEqualsIgnoreCase: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: true },
  StringLike: { compare: (p, v) => globMatches(p, v), negated: false },
  StringNotLike: { compare: (p, v) => globMatches(p, v), negated: true },
  ArnEquals: { compare: (p, v) => p === v, negated: false },
  ArnNotEquals: { compare: (p, v) => p === v, negated: true },
  ArnLike: { compare: arnMatches, negated: false },
  ArnNotLike: { compare: arnMatches, negated: true },
  Bool: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
  NumericEquals: { compare: (p, v) => Number(p) === Number(v), negated: false },
  NumericLessThanEquals: { compare: (p, v) => Number(v) <= Number(p), negated: false },
  NumericGreaterThanEquals: { compare: (p, v) => Number(v) >= Number(p), negated: false },
};

function valuesOf(value: ContextValue): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function lookup(context: RequestContext, key: string): ContextValue | undefined {
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** `true`/`false` when the block can be evaluated; `'unsupported'` naming nothing when an operator is unknown. */
export function conditionsHold(
  block: Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined,
  context: RequestContext,
): boolean | 'unsupported' {
  if (!block) return true;
  for (const [rawOperator, keys] of Object.entries(block)) {
    const result = operatorHolds(rawOperator, keys, context);
    if (result !== true) return result;
  }
  return true;
}

function operatorHolds(
  rawOperator: string,
  keys: Readonly<Record<string, unknown>>,
  context: RequestContext,
): boolean | 'unsupported' {
  let operator = rawOperator;
  let set: 'any' | 'all' | undefined;
  if (operator.startsWith('ForAnyValue:')) [set, operator] = ['any', operator.slice(12)];
  else if (operator.startsWith('ForAllValues:')) [set, operator] = ['all', operator.slice(13)];
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -8);

  for (const [key, expected] of Object.entries(keys)) {
    const patterns = (Array.isArray(expected) ? expected : [expected]).map(String);
    const given = lookup(context, key);
    if (operator === 'Null') {
      // Null: "true" holds when the key is absent, "false" when it is present.
      const absent = given === undefined;
      if (!patterns.some((p) => (p.toLowerCase() === 'true') === absent)) return false;
      continue;
    }
    const comparison = COMPARISONS[operator];
    if (!comparison) return 'unsupported';
    if (given === undefined) {
      if (ifExists || comparison.negated || set === 'all') continue;
      return false;
    }
    const values = valuesOf(given);
    const matchesOne = (v: string) => patterns.some((p) => comparison.compare(p, v));
    let held: boolean;
    if (set === 'all') held = values.every((v) => (comparison.negated ? !matchesOne(v) : matchesOne(v)));
    else if (set === 'any') held = values.some((v) => (comparison.negated ? !matchesOne(v) : matchesOne(v)));
    else held = comparison.negated ? !values.some(matchesOne) : values.some(matchesOne);
    if (!held) return false;
  }
  return true;
}
