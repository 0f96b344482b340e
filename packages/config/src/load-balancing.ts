import { z } from 'zod';
import { show } from './errors';
import type { Ctx } from './resolve/context';
import type { ProfileName } from './types';

/**
 * A service's target group settings: the ALB health check, the deregistration delay (connection draining) and the
 * ECS health check grace period. They set most of how long a deploy takes (see deploy-time.ts in @berthjs/infra and
 * docs/operate.md "How long a deploy takes"). Every value is in seconds.
 */
export const loadBalancingSchema = z.strictObject({
  healthCheck: z
    .strictObject({
      /** Seconds between two checks of one target (5–300). @default - profile: 5 (dev), 10 (staging, prod) */
      interval: z.number().int().optional(),
      /** Seconds a check may take (2–120, below `interval`). @default - profile: 4 (dev), 5 (staging, prod) */
      timeout: z.number().int().optional(),
      /** Consecutive passes before a new target takes traffic (2–10). @default 2 */
      healthyThreshold: z.number().int().optional(),
      /** Consecutive failures before a target is unhealthy (2–10). @default 3 */
      unhealthyThreshold: z.number().int().optional(),
    })
    .optional(),
  /**
   * Seconds the load balancer lets in-flight requests on a deregistering task finish (0–3600); at least
   * `requestTimeout`. @default - profile: 5 (dev), 15 (staging), 30 (prod), raised to `requestTimeout`
   */
  deregistrationDelay: z.number().int().optional(),
  /**
   * The longest request this service answers, in seconds (its own request or upload timeout). The deregistration
   * delay may not be shorter: the load balancer cuts what is still in flight when the delay ends. @default - not
   * declared: the profile's delay stands (AWS's 5 s suits sub-second APIs)
   */
  requestTimeout: z.number().int().optional(),
  /** Seconds ECS ignores failing load balancer checks of a new task (0–2147483647). @default 30 */
  gracePeriod: z.number().int().optional(),
});

export interface ResolvedLoadBalancing {
  readonly healthCheck: {
    readonly interval: number;
    readonly timeout: number;
    readonly healthyThreshold: number;
    readonly unhealthyThreshold: number;
  };
  readonly deregistrationDelay: number;
  /** As declared; absent when the config does not say. */
  readonly requestTimeout?: number;
  readonly gracePeriod: number;
}

/**
 * Per profile. dev: fast — AWS's "speeding up deployments" guidance (5 s draining for sub-second responses, fewer
 * and quicker health checks) so a rolling deploy is well under two minutes. staging and prod: 10 s × 2 to turn
 * healthy (AWS's default is 30 s × 5), and 30 s / 15 s of draining for the odd slow request (AWS's default is 300 s).
 */
export const LOAD_BALANCING_DEFAULTS: Readonly<Record<ProfileName, ResolvedLoadBalancing>> = Object.freeze({
  dev: {
    healthCheck: { interval: 5, timeout: 4, healthyThreshold: 2, unhealthyThreshold: 3 },
    deregistrationDelay: 5,
    gracePeriod: 30,
  },
  staging: {
    healthCheck: { interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    deregistrationDelay: 15,
    gracePeriod: 30,
  },
  prod: {
    healthCheck: { interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    deregistrationDelay: 30,
    gracePeriod: 30,
  },
});

type LoadBalancingIn = z.output<typeof loadBalancingSchema> | undefined;

/** The service's target group settings over the profile's, within ELB's and ECS's bounds. */
export function resolveLoadBalancing(ctx: Ctx, at: string, input: LoadBalancingIn): ResolvedLoadBalancing {
  const base = LOAD_BALANCING_DEFAULTS[ctx.profileName];
  const where = `${at}.loadBalancing`;
  const within = (path: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      ctx.report(`${where}.${path}`, `got ${show(value)}; allowed: ${min}–${max} whole seconds`);
    return value;
  };
  const h = input?.healthCheck ?? {};
  const interval = within('healthCheck.interval', h.interval ?? base.healthCheck.interval, 5, 300);
  const timeout = within(
    'healthCheck.timeout',
    h.timeout ?? Math.min(base.healthCheck.timeout, interval - 1),
    2,
    120,
  );
  if (timeout >= interval)
    ctx.report(
      `${where}.healthCheck.timeout`,
      `got ${timeout}; must be shorter than the interval (${interval} s)`,
    );
  const healthyThreshold = within(
    'healthCheck.healthyThreshold',
    h.healthyThreshold ?? base.healthCheck.healthyThreshold,
    2,
    10,
  );
  const unhealthyThreshold = within(
    'healthCheck.unhealthyThreshold',
    h.unhealthyThreshold ?? base.healthCheck.unhealthyThreshold,
    2,
    10,
  );
  const requestTimeout =
    input?.requestTimeout === undefined ? undefined : within('requestTimeout', input.requestTimeout, 1, 3600);
  const deregistrationDelay = within(
    'deregistrationDelay',
    input?.deregistrationDelay ?? Math.max(base.deregistrationDelay, requestTimeout ?? 0),
    0,
    3600,
  );
  // A request still in flight when the delay ends is cut by the load balancer: the delay covers the longest one.
  if (requestTimeout !== undefined && deregistrationDelay < requestTimeout)
    ctx.report(
      `${where}.deregistrationDelay`,
      `got ${deregistrationDelay}; below ${where}.requestTimeout (${requestTimeout} s), so a deploy would cut requests still in flight: set it to at least ${requestTimeout}`,
    );
  const gracePeriod = within('gracePeriod', input?.gracePeriod ?? base.gracePeriod, 0, 2_147_483_647);
  return {
    healthCheck: { interval, timeout, healthyThreshold, unhealthyThreshold },
    deregistrationDelay,
    ...(requestTimeout !== undefined ? { requestTimeout } : {}),
    gracePeriod,
  };
}
