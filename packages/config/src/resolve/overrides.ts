import type { Overrides } from '../schema';
import type { Ctx, Merged, Parsed } from './context';
import type { DeclaredNames } from './salvage';

/** Environment overrides win over the app's values, key by key; arrays are replaced, not concatenated. */
export function applyOverrides(
  app: Parsed,
  overrides: Overrides | undefined,
  stage: string,
  report: Ctx['report'],
  declared: DeclaredNames,
): Merged {
  const { environments: _environments, ...base } = app;
  if (!overrides) return base;
  for (const section of ['services', 'jobs', 'buckets'] as const) {
    const known = declared[section];
    for (const key of Object.keys(overrides[section] ?? {})) {
      if (!known.includes(key)) {
        report(
          `environments.${stage}.overrides.${section}.${key}`,
          `overrides a ${section.slice(0, -1)} the app does not declare; declared: ${known.join(', ') || 'none'}`,
        );
      }
    }
  }
  if (overrides.mail && !declared.sections.has('mail'))
    report(`environments.${stage}.overrides.mail`, 'overrides mail, but the app declares no mail section');
  return merge(base, overrides) as Merged;
}

function merge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isPlain(a) || !isPlain(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
