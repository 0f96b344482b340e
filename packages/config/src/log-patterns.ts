import { z } from 'zod';
import type { ResolvedLogPattern } from './types';

/**
 * An alarm on lines in a service's logs (and its jobs', which write to the same log group): a CloudWatch Logs metric
 * filter counts the lines matching `pattern`, and an alarm fires when `threshold` or more match within `minutes`.
 * The pattern is CloudWatch Logs' filter pattern syntax
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html): terms (`ERROR`),
 * quoted phrases (`"payment failed"`), JSON (`{ $.level = "error" }`), space-delimited (`[ip, user, ...]`) or
 * regular expressions between `%`.
 */
export const logPatternSchema = z.strictObject({
  /** The service whose log group is watched (its jobs log there too). */
  service: z.string().min(1),
  /** CloudWatch Logs filter pattern, e.g. '"PaymentFailed"' or '{ $.level = "error" }'. */
  pattern: z.string(),
  /** Matching lines within `minutes` that fire the alarm. @default 1 */
  threshold: z.number().int().min(1).optional(),
  /** The alarm's period in minutes, 1–1440. @default 5 */
  minutes: z.number().int().optional(),
  /** Said in the alarm's description, for whoever is told. */
  description: z.string().max(512).optional(),
});

export const logPatternsSchema = z.record(z.string(), logPatternSchema);
export type LogPatternConfig = z.infer<typeof logPatternSchema>;

/** PutMetricFilter's limits (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html). */
export const METRIC_FILTER_LIMITS = Object.freeze({
  patternLength: 1024,
  filtersPerLogGroup: 100,
  regexPerPattern: 2,
  regexPerLogGroup: 5,
});

const PATTERN_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Regular expressions in a filter pattern: `%…%` outside quoted strings. */
export function regexCount(pattern: string): number {
  return [...pattern.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/%(?:[^%\\]|\\.)+%/g)].length;
}

/** What is wrong with a filter pattern's shape (unbalanced quotes or brackets, empty, too long), or undefined. */
export function patternProblem(pattern: string): string | undefined {
  if (!pattern.trim())
    return 'an empty pattern matches every line: give the terms, phrase or JSON test to count';
  if (pattern.length > METRIC_FILTER_LIMITS.patternLength)
    return `${pattern.length} characters; CloudWatch takes at most ${METRIC_FILTER_LIMITS.patternLength}`;
  const stack: string[] = [];
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '{' || c === '[' || c === '(') stack.push(c);
    else if (c === '}' || c === ']' || c === ')') {
      const open = stack.pop();
      if (open !== { '}': '{', ']': '[', ')': '(' }[c])
        return `${c} at character ${i + 1} closes nothing it opened`;
    }
  }
  if (quoted) return 'a quoted phrase is not closed (")';
  if (stack.length) return `${stack.join('')} opened and not closed`;
  if (regexCount(pattern) > METRIC_FILTER_LIMITS.regexPerPattern)
    return `${regexCount(pattern)} regular expressions (%…%); CloudWatch takes at most ${METRIC_FILTER_LIMITS.regexPerPattern} in one pattern`;
  return undefined;
}

/**
 * The log patterns, checked: names (they name the metric and the alarm), services, patterns, thresholds and periods,
 * and the per-log-group limits. Problems go to `report` with their paths.
 */
export function resolveLogPatterns(
  patterns: Readonly<Record<string, LogPatternConfig>> | undefined,
  services: readonly string[],
  report: (path: string, message: string) => void,
): ResolvedLogPattern[] {
  const out: ResolvedLogPattern[] = [];
  const perService = new Map<string, { filters: number; regex: number }>();
  for (const [name, p] of Object.entries(patterns ?? {})) {
    const at = `alarms.logPatterns.${name}`;
    if (!PATTERN_NAME.test(name))
      report(at, 'a name is lower-case letters, digits and dashes, starting with a letter, ≤ 63 chars');
    if (!services.includes(p.service))
      report(`${at}.service`, `got "${p.service}"; no such service; declared: ${services.join(', ')}`);
    const problem = patternProblem(p.pattern);
    if (problem) report(`${at}.pattern`, problem);
    const minutes = p.minutes ?? 5;
    if (minutes < 1 || minutes > 1440)
      report(`${at}.minutes`, `got ${minutes}; allowed 1–1440 (an alarm looks back at most one day)`);
    const used = perService.get(p.service) ?? { filters: 0, regex: 0 };
    used.filters++;
    used.regex += regexCount(p.pattern);
    perService.set(p.service, used);
    out.push({
      name,
      service: p.service,
      pattern: p.pattern,
      threshold: p.threshold ?? 1,
      minutes,
      ...(p.description ? { description: p.description } : {}),
    });
  }
  for (const [service, used] of perService) {
    if (used.filters > METRIC_FILTER_LIMITS.filtersPerLogGroup)
      report(
        'alarms.logPatterns',
        `${used.filters} patterns on service ${service}; CloudWatch takes at most ${METRIC_FILTER_LIMITS.filtersPerLogGroup} metric filters on one log group`,
      );
    if (used.regex > METRIC_FILTER_LIMITS.regexPerLogGroup)
      report(
        'alarms.logPatterns',
        `${used.regex} regular expressions (%…%) in service ${service}'s patterns; CloudWatch takes at most ${METRIC_FILTER_LIMITS.regexPerLogGroup} on one log group`,
      );
  }
  return out;
}
