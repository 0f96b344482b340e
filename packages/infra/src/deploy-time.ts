/**
 * How long a deploy of each ECS service takes at the least, read from a synthesized template (not from the config,
 * so the model says what the template will make ECS and the load balancer do). Phases, in order:
 *
 * 1. start: a new task is placed, its ENI attached, its image pulled and its process started. No template holds this;
 *    Berth assumes {@link START_ALLOWANCE_SECONDS} (Fargate, an image of ~100–200 MB from ECR in the same region, an
 *    app listening within a few seconds). A bigger image or a slow start adds to it.
 * 2. healthy: the target group sees HealthyThresholdCount consecutive passes, HealthCheckIntervalSeconds apart
 *    (AWS: "Optimize load balancer health check parameters"), before the task takes traffic.
 * 3. traffic: canary — CanaryBakeTimeInMinutes at CanaryPercent; linear — StepBakeTimeInMinutes after each step
 *    but the last (⌈100 ÷ StepPercent⌉ − 1 waits); then BakeTimeInMinutes with both revisions up (canary, linear,
 *    blue/green). Rolling has none.
 * 4. drain: the old tasks leave their target group after deregistration_delay.timeout_seconds (AWS: "Optimize load
 *    balancer connection draining parameters"; the ALB may finish sooner when no connection is open, but keep-alive
 *    connections usually are). Then SIGTERM: Berth's runtime exits as soon as in-flight requests are done, so the
 *    stop itself is counted as 0 here; it can take up to the container's StopTimeout.
 *
 * A rolling deploy starts as many new tasks at once as MaximumPercent leaves room for above MinimumHealthyPercent,
 * so phases 1, 2 and 4 repeat once per batch. The failure path is modelled for the rolling circuit breaker: ECS rolls
 * back after min(200, max(3, ⌈DesiredCount ÷ 2⌉)) tasks failed to turn healthy, each failing after the start plus
 * max(HealthCheckGracePeriodSeconds, UnhealthyThresholdCount × interval). Traffic-shifting strategies roll back on
 * their CloudWatch alarms instead (2 of 3 one-minute datapoints), so a failing canary is caught within its step.
 */

/** Seconds assumed for a Fargate task to be placed, pull its image and start listening. */
export const START_ALLOWANCE_SECONDS = 40;

export type DeployStrategyName = 'rolling' | 'canary' | 'linear' | 'blue-green';

export interface DeployPhase {
  readonly name: 'start' | 'healthy' | 'canary' | 'linear' | 'bake' | 'drain';
  readonly seconds: number;
  /** The template values (or the assumption) it comes from. */
  readonly from: string;
}

export interface ServiceDeployTime {
  /** The service (its container's name). */
  readonly service: string;
  /** The AWS::ECS::Service's logical id. */
  readonly logicalId: string;
  readonly strategy: DeployStrategyName;
  /** The template's own numbers the model read. */
  readonly values: {
    readonly desiredCount: number;
    readonly minimumHealthyPercent: number;
    readonly maximumPercent: number;
    readonly healthCheckIntervalSeconds: number;
    readonly healthCheckTimeoutSeconds: number;
    readonly healthyThresholdCount: number;
    readonly unhealthyThresholdCount: number;
    readonly deregistrationDelaySeconds: number;
    readonly healthCheckGracePeriodSeconds: number;
    readonly stopTimeoutSeconds: number;
    readonly circuitBreaker: boolean;
    readonly bakeTimeMinutes?: number;
    readonly stepPercent?: number;
    readonly stepBakeTimeMinutes?: number;
  };
  /** Rolling: how many batches of new tasks replace the old ones. */
  readonly batches: number;
  readonly phases: readonly DeployPhase[];
  /** The least a successful deploy of this service takes, seconds. */
  readonly seconds: number;
  /** Rolling with the circuit breaker: the least a deploy whose tasks never turn healthy takes to roll back. */
  readonly rollbackAfterSeconds?: number;
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type TemplateLike = { Resources?: Record<string, Resource> };

const num = (v: unknown, fallback: number): number =>
  typeof v === 'number'
    ? v
    : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v))
      ? Number(v)
      : fallback;
const refOf = (v: unknown): string | undefined =>
  v && typeof v === 'object' && 'Ref' in v ? String((v as { Ref: unknown }).Ref) : undefined;

/** The model for every ECS service of one template, in logical-id order. */
export function deployTimes(template: object): ServiceDeployTime[] {
  const resources = (template as TemplateLike).Resources ?? {};
  const out: ServiceDeployTime[] = [];
  for (const [logicalId, r] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
    if (r.Type !== 'AWS::ECS::Service') continue;
    const p = r.Properties ?? {};
    const dc = (p.DeploymentConfiguration ?? {}) as Record<string, unknown>;
    const lbs = (p.LoadBalancers ?? []) as { TargetGroupArn?: unknown; ContainerName?: string }[];
    const tgId = refOf(lbs[0]?.TargetGroupArn);
    const tg = (tgId ? resources[tgId]?.Properties : undefined) ?? {};
    const attrs = (tg.TargetGroupAttributes ?? []) as { Key: string; Value: unknown }[];
    const taskDef = resources[refOf(p.TaskDefinition) ?? '']?.Properties ?? {};
    const containers = (taskDef.ContainerDefinitions ?? []) as { Name?: string; StopTimeout?: number }[];
    const container = containers.find((c) => c.Name === lbs[0]?.ContainerName) ?? containers[0];
    const strategy = ({ CANARY: 'canary', LINEAR: 'linear', BLUE_GREEN: 'blue-green' } as const)[
      String(dc.Strategy ?? 'ROLLING') as 'CANARY'
    ] as DeployStrategyName | undefined;
    const canary = dc.CanaryConfiguration as Record<string, unknown> | undefined;
    const linear = dc.LinearConfiguration as Record<string, unknown> | undefined;
    const breaker = dc.DeploymentCircuitBreaker as { Enable?: boolean } | undefined;
    // ELB's and ECS's defaults where the template leaves a value out.
    const values: ServiceDeployTime['values'] = {
      desiredCount: num(p.DesiredCount, 1),
      minimumHealthyPercent: num(dc.MinimumHealthyPercent, 100),
      maximumPercent: num(dc.MaximumPercent, 200),
      healthCheckIntervalSeconds: num(tg.HealthCheckIntervalSeconds, 30),
      healthCheckTimeoutSeconds: num(tg.HealthCheckTimeoutSeconds, 5),
      healthyThresholdCount: num(tg.HealthyThresholdCount, 5),
      unhealthyThresholdCount: num(tg.UnhealthyThresholdCount, 2),
      deregistrationDelaySeconds: num(
        attrs.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value,
        tgId ? 300 : 0,
      ),
      healthCheckGracePeriodSeconds: num(p.HealthCheckGracePeriodSeconds, 0),
      stopTimeoutSeconds: num(container?.StopTimeout, 30),
      circuitBreaker: breaker?.Enable === true,
      ...(strategy && dc.BakeTimeInMinutes !== undefined
        ? { bakeTimeMinutes: num(dc.BakeTimeInMinutes, 0) }
        : {}),
      ...(canary
        ? {
            stepPercent: num(canary.CanaryPercent, 5),
            stepBakeTimeMinutes: num(canary.CanaryBakeTimeInMinutes, 10),
          }
        : linear
          ? {
              stepPercent: num(linear.StepPercent, 10),
              stepBakeTimeMinutes: num(linear.StepBakeTimeInMinutes, 6),
            }
          : {}),
    };
    out.push(
      model(
        container?.Name ?? lbs[0]?.ContainerName ?? logicalId,
        logicalId,
        strategy ?? 'rolling',
        values,
        !!tgId,
      ),
    );
  }
  return out;
}

function model(
  service: string,
  logicalId: string,
  strategy: DeployStrategyName,
  v: ServiceDeployTime['values'],
  balanced: boolean,
): ServiceDeployTime {
  const healthy = balanced ? v.healthCheckIntervalSeconds * v.healthyThresholdCount : 0;
  const phases: DeployPhase[] = [
    {
      name: 'start',
      seconds: START_ALLOWANCE_SECONDS,
      from: 'assumed: placement, image pull, process start',
    },
  ];
  if (balanced)
    phases.push({
      name: 'healthy',
      seconds: healthy,
      from: `${v.healthyThresholdCount} passes × ${v.healthCheckIntervalSeconds} s interval`,
    });
  let batches = 1;
  if (strategy === 'rolling') {
    // New tasks above the minimum healthy, as many at once as MaximumPercent leaves room for.
    const room = Math.floor((v.desiredCount * v.maximumPercent) / 100) - v.desiredCount;
    const stoppable = v.desiredCount - Math.ceil((v.desiredCount * v.minimumHealthyPercent) / 100);
    const perBatch = Math.max(1, room + stoppable);
    batches = Math.max(1, Math.ceil(v.desiredCount / perBatch));
  } else if (strategy === 'canary') {
    phases.push({
      name: 'canary',
      seconds: (v.stepBakeTimeMinutes ?? 0) * 60,
      from: `${v.stepPercent}% for ${v.stepBakeTimeMinutes} min`,
    });
  } else if (strategy === 'linear') {
    const waits = Math.max(0, Math.ceil(100 / (v.stepPercent ?? 100)) - 1);
    phases.push({
      name: 'linear',
      seconds: waits * (v.stepBakeTimeMinutes ?? 0) * 60,
      from: `${waits} steps of ${v.stepPercent}% × ${v.stepBakeTimeMinutes} min`,
    });
  }
  if (strategy !== 'rolling')
    phases.push({
      name: 'bake',
      seconds: (v.bakeTimeMinutes ?? 0) * 60,
      from: `${v.bakeTimeMinutes} min with both revisions up`,
    });
  if (balanced)
    phases.push({
      name: 'drain',
      seconds: v.deregistrationDelaySeconds,
      from: `deregistration delay; then SIGTERM, stop ≤ ${v.stopTimeoutSeconds} s`,
    });
  const perBatch = (n: DeployPhase['name']) => n === 'start' || n === 'healthy' || n === 'drain';
  const seconds = phases.reduce((s, ph) => s + ph.seconds * (perBatch(ph.name) ? batches : 1), 0);
  let rollbackAfterSeconds: number | undefined;
  if (strategy === 'rolling' && v.circuitBreaker) {
    const threshold = Math.min(200, Math.max(3, Math.ceil(v.desiredCount / 2)));
    const failsAfter =
      START_ALLOWANCE_SECONDS +
      (balanced
        ? Math.max(v.healthCheckGracePeriodSeconds, v.unhealthyThresholdCount * v.healthCheckIntervalSeconds)
        : 0);
    const inFlight = Math.max(1, Math.ceil(v.desiredCount / batches));
    rollbackAfterSeconds = Math.ceil(threshold / inFlight) * failsAfter;
  }
  return {
    service,
    logicalId,
    strategy,
    values: v,
    batches,
    phases,
    seconds,
    ...(rollbackAfterSeconds !== undefined ? { rollbackAfterSeconds } : {}),
  };
}

/** `1 min 10 s`, `45 s`. */
export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return m ? (rest ? `${m} min ${rest} s` : `${m} min`) : `${rest} s`;
}

/** One short section per service: the least a deploy takes and what it is made of. */
export function formatDeployTimes(
  times: readonly ServiceDeployTime[],
  title = 'Deploy time (least, by the model)',
): string[] {
  if (!times.length) return [];
  const lines = [`${title}:`];
  for (const t of times) {
    const batches = t.batches > 1 ? ` × ${t.batches} batches` : '';
    lines.push(`  ${t.service} (${t.strategy}): ≥ ${formatSeconds(t.seconds)}`);
    lines.push(
      `    ${t.phases.map((p) => `${p.name} ${formatSeconds(p.seconds)} (${p.from})`).join(' + ')}${batches}`,
    );
    if (t.rollbackAfterSeconds !== undefined)
      lines.push(
        `    tasks that never turn healthy: circuit breaker rolls back after ≥ ${formatSeconds(t.rollbackAfterSeconds)}`,
      );
  }
  return lines;
}
