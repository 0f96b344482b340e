import { show } from '../errors';
import type { ResolvedAcknowledgement } from '../types';
import type { Ctx } from './context';

/** The config's acknowledgements for this environment; an unknown environment name is a config error. */
export function resolveAcknowledgements(
  ctx: Ctx,
  environments: readonly string[],
): ResolvedAcknowledgement[] {
  const out: ResolvedAcknowledgement[] = [];
  (ctx.app.acknowledgements ?? []).forEach((a, index) => {
    for (const [i, e] of (a.environments ?? []).entries())
      if (!environments.includes(e))
        ctx.report(
          `acknowledgements.${index}.environments.${i}`,
          `got ${show(e)}; expected one of the declared environments: ${environments.join(', ')}`,
        );
    if (a.environments && !a.environments.includes(ctx.stage)) return;
    out.push({
      index,
      rule: a.rule,
      ...(a.resource === undefined ? {} : { resource: a.resource }),
      reason: a.reason.trim(),
    });
  });
  return out;
}
