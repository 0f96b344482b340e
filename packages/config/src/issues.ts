import { z } from 'zod';
import { show, type ConfigIssue } from './errors';

/** Turns zod's issues into Berth's: a dotted path, the value given, and what is allowed. Never a raw zod dump. */
export function fromZod(
  error: z.ZodError,
  input: unknown,
  schema: z.ZodType,
  prefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const at = [...prefix, ...issue.path];
    const value = get(input, issue.path);
    const path = dotted(at);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, issue.path);
        for (const key of issue.keys) {
          out.push({
            path: dotted([...at, key]),
            message: `unknown setting '${key}'${allowed.length ? `; allowed here: ${allowed.join(', ')}` : ''}`,
          });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path,
          message:
            value === undefined
              ? `required: expected ${issue.expected}`
              : `expected ${issue.expected}, got ${show(value, path)}`,
        });
        break;
      case 'invalid_value':
        out.push({
          path,
          message: `got ${show(value, path)}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      case 'invalid_union':
        out.push({ path, message: `got ${show(value, path)}; ${describeUnion(issue)}` });
        break;
      case 'too_small':
      case 'too_big': {
        const bound =
          issue.code === 'too_small'
            ? `at least ${String(issue.minimum)}`
            : `at most ${String(issue.maximum)}`;
        const unit = issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : '';
        out.push({ path, message: `got ${show(value, path)}; must be ${bound}${unit}` });
        break;
      }
      default:
        out.push({ path, message: `got ${show(value, path)}; expected ${issue.message}` });
    }
  }
  return out;
}

function describeUnion(issue: z.core.$ZodIssueInvalidUnion): string {
  const shapes = issue.errors
    .map(
      (branch) =>
        branch.find((i) => i.path.length === 0 && i.code === 'invalid_type') as
          { expected?: string } | undefined,
    )
    .map((i) => i?.expected)
    .filter((e): e is string => !!e);
  if (shapes.length === issue.errors.length && shapes.length > 0)
    return `expected ${[...new Set(shapes)].join(' or ')}`;
  // An object branch matched the type but not the keys: report that branch's first problem.
  const nested = issue.errors.find((b) => b.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'));
  const first = nested?.[0];
  if (first) {
    const where = first.path.length ? `${dotted(first.path)}: ` : '';
    const detail =
      first.code === 'unrecognized_keys' ? `unknown setting '${first.keys.join("', '")}'` : first.message;
    return `does not match any allowed form (${where}${detail})`;
  }
  return 'does not match any allowed form';
}

export function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export function get(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

/** The keys an object schema allows at a path, for "unknown setting" messages. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let cur: z.ZodType | undefined = schema;
  for (const key of path) {
    cur = unwrap(cur);
    if (!cur) return [];
    if (cur instanceof z.ZodObject) cur = (cur.shape as Record<string, z.ZodType>)[String(key)];
    else if (cur instanceof z.ZodRecord) cur = cur._zod.def.valueType as z.ZodType;
    else if (cur instanceof z.ZodArray) cur = cur._zod.def.element as z.ZodType;
    else return [];
  }
  cur = unwrap(cur);
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let cur = schema;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable)
      cur = cur._zod.def.innerType as z.ZodType;
    else if (cur instanceof z.ZodUnion) {
      const obj = (cur._zod.def.options as z.ZodType[]).find((o) => unwrap(o) instanceof z.ZodObject);
      if (!obj) return cur;
      cur = obj;
    } else return cur;
  }
}
