import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import type { serviceSchema } from '../schema';
import type { ResolvedDeploy } from '../types';
import type { Ctx } from './context';
import type { z } from 'zod';

type DeployIn = z.output<typeof serviceSchema>['deploy'];

/**
 * A service's deployment strategy. The bounds are ECS's: bake and step times 0–1440 minutes, canary 0.1–100%,
 * linear steps 3–100%, both in multiples of 0.1 (CanaryConfiguration / LinearConfiguration,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html).
 */
export function resolveDeploy(ctx: Ctx, at: string, deployIn: DeployIn): ResolvedDeploy {
  const { report } = ctx;
  const d =
    typeof deployIn === 'string' ? { strategy: deployIn } : (deployIn ?? { strategy: ctx.profile.deploy });
  if (d.strategy === 'rolling') {
    for (const key of ['bakeMinutes', 'percent', 'stepMinutes'] as const)
      if (key in d && (d as Record<string, unknown>)[key] !== undefined)
        report(
          `${at}.deploy.${key}`,
          `got ${show((d as Record<string, unknown>)[key])}; a rolling deployment has no ${key}`,
        );
    return { strategy: 'rolling' };
  }
  const minutes = (key: 'bakeMinutes' | 'stepMinutes', value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > 1440)
      report(`${at}.deploy.${key}`, `got ${show(value)}; ECS allows 0–1440 whole minutes`);
    return value;
  };
  const full = d as { strategy: string; bakeMinutes?: number; percent?: number; stepMinutes?: number };
  const bakeMinutes = minutes('bakeMinutes', full.bakeMinutes ?? DEFAULTS.deploy.bakeMinutes);
  if (d.strategy === 'blue-green') {
    for (const key of ['percent', 'stepMinutes'] as const)
      if (full[key] !== undefined)
        report(
          `${at}.deploy.${key}`,
          `got ${show(full[key])}; blue-green shifts all traffic at once (no ${key})`,
        );
    return { strategy: 'blue-green', bakeMinutes };
  }
  const canary = d.strategy === 'canary';
  const percent = full.percent ?? (canary ? DEFAULTS.deploy.canaryPercent : DEFAULTS.deploy.linearPercent);
  const [low, high] = canary ? [0.1, 100] : [3, 100];
  if (percent < low || percent > high || Math.abs(percent * 10 - Math.round(percent * 10)) > 1e-9)
    report(
      `${at}.deploy.percent`,
      `got ${show(percent)}; ECS takes ${canary ? 'a canary' : 'linear steps'} of ${low}–${high}% in multiples of 0.1`,
    );
  const stepMinutes = minutes('stepMinutes', full.stepMinutes ?? DEFAULTS.deploy.stepMinutes);
  return { strategy: canary ? 'canary' : 'linear', bakeMinutes, percent, stepMinutes };
}
