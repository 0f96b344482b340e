import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import { WAF_RATE_WINDOWS, type edgeSchema } from '../schema';
import type { ResolvedWaf } from '../types';
import type { Ctx } from './context';
import type { z } from 'zod';

type WafIn = z.output<typeof edgeSchema>['waf'];

/** AWS WAF's rate-based rule limits: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html */
const RATE_LIMIT_MIN = 10;
const RATE_LIMIT_MAX = 2_000_000_000;

/** edge.waf: off, the profile's default, or the profile's default with the user's settings on top. */
export function resolveWaf(ctx: Ctx, wafIn: WafIn): ResolvedWaf | null {
  const { report, profile } = ctx;
  if (wafIn === false || (wafIn === undefined && !profile.waf)) return null;
  const w = typeof wafIn === 'object' ? wafIn : {};
  const rateLimit = w.rateLimit ?? (profile.waf ? profile.waf.rateLimit : DEFAULTS.waf.rateLimit);
  if (rateLimit < RATE_LIMIT_MIN || rateLimit > RATE_LIMIT_MAX)
    report(
      'edge.waf.rateLimit',
      `got ${show(rateLimit)}; AWS WAF allows ${RATE_LIMIT_MIN}–${RATE_LIMIT_MAX} requests per client IP per window`,
    );
  const window = w.rateWindow ?? DEFAULTS.waf.rateWindowSeconds;
  if (!(WAF_RATE_WINDOWS as readonly number[]).includes(window))
    report(
      'edge.waf.rateWindow',
      `got ${show(window)}; AWS WAF counts over ${WAF_RATE_WINDOWS.join(', ')} seconds`,
    );
  return {
    mode: w.mode ?? DEFAULTS.waf.mode,
    rateLimit,
    rateWindowSeconds: window as ResolvedWaf['rateWindowSeconds'],
    sqlInjection: w.sqlInjection ?? false,
  };
}
