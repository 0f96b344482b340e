import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import {
  deployTimes,
  formatDeployTimes,
  START_ALLOWANCE_SECONDS,
  type ServiceDeployTime,
} from '../src/index';
import { talentResolved, templateOf } from './support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = templateOf(talentResolved('dev'));
  prod = templateOf(talentResolved('prod'));
});

/** The template's own numbers for one service, read independently of the model. */
function own(template: Template, t: ServiceDeployTime) {
  const json = template.toJSON() as Json;
  const svc = json.Resources[t.logicalId]!.Properties;
  const tg = json.Resources[svc.LoadBalancers[0].TargetGroupArn.Ref]!.Properties;
  const delay = tg.TargetGroupAttributes.find(
    (a: { Key: string }) => a.Key === 'deregistration_delay.timeout_seconds',
  ).Value;
  return { svc, tg, delay: Number(delay), dc: svc.DeploymentConfiguration };
}

describe('deploy-time model (talent)', () => {
  it("reads dev's template: rolling, and its numbers are the template's", () => {
    const times = deployTimes(dev.toJSON());
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) {
      const { svc, tg, delay } = own(dev, t);
      expect(t.strategy).toBe('rolling');
      expect(t.values.healthCheckIntervalSeconds).toBe(tg.HealthCheckIntervalSeconds);
      expect(t.values.healthyThresholdCount).toBe(tg.HealthyThresholdCount);
      expect(t.values.deregistrationDelaySeconds).toBe(delay);
      expect(t.values.healthCheckGracePeriodSeconds).toBe(svc.HealthCheckGracePeriodSeconds);
      expect(t.values.circuitBreaker).toBe(svc.DeploymentConfiguration.DeploymentCircuitBreaker.Enable);
      expect(t.seconds).toBe(
        START_ALLOWANCE_SECONDS + tg.HealthCheckIntervalSeconds * tg.HealthyThresholdCount + delay,
      );
      // The issue's bar: a dev rolling deploy well under two minutes.
      expect(t.seconds).toBeLessThan(120);
      expect(t.rollbackAfterSeconds).toBeGreaterThan(0);
    }
  });

  it("reads prod's template: the canary step and bake are the template's", () => {
    const times = deployTimes(prod.toJSON());
    const api = times.find((t) => t.service === 'api')!;
    const { tg, delay, dc } = own(prod, api);
    expect(api.strategy).toBe('canary');
    expect(api.values.stepPercent).toBe(dc.CanaryConfiguration.CanaryPercent);
    expect(api.values.stepBakeTimeMinutes).toBe(dc.CanaryConfiguration.CanaryBakeTimeInMinutes);
    expect(api.values.bakeTimeMinutes).toBe(dc.BakeTimeInMinutes);
    expect(api.seconds).toBe(
      START_ALLOWANCE_SECONDS +
        tg.HealthCheckIntervalSeconds * tg.HealthyThresholdCount +
        (dc.CanaryConfiguration.CanaryBakeTimeInMinutes + dc.BakeTimeInMinutes) * 60 +
        delay,
    );
    expect(formatDeployTimes(times).join('\n')).toMatch(/api \(canary\): ≥ \d+ min/);
  });

  it('puts configured values in the template', () => {
    const app = {
      ...talent,
      services: Object.fromEntries(
        Object.entries(talent.services).map(([name, s]) => [
          name,
          {
            ...s,
            deploy: { strategy: 'linear' as const, percent: 50, stepMinutes: 2, bakeMinutes: 1 },
            loadBalancing: {
              healthCheck: { interval: 30, timeout: 10, healthyThreshold: 3, unhealthyThreshold: 4 },
              deregistrationDelay: 90,
              requestTimeout: 60,
              gracePeriod: 45,
            },
          },
        ]),
      ),
    };
    const t = templateOf(resolve(app, 'prod'));
    const tg = { HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 3 };
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      ...tg,
      UnhealthyThresholdCount: 4,
      TargetGroupAttributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: '90' },
        { Key: 'stickiness.enabled', Value: 'false' },
      ],
    });
    const [first] = deployTimes(t.toJSON());
    expect(first!.values).toMatchObject({ healthCheckGracePeriodSeconds: 45, stepPercent: 50 });
    // 1 wait of 2 min between the 50% steps, then a 1 min bake.
    expect(first!.seconds).toBe(START_ALLOWANCE_SECONDS + 90 + 120 + 60 + 90);
  });

  it('refuses a deregistration delay below the request timeout, naming the path', () => {
    const [name, api] = Object.entries(talent.services)[0]!;
    const app = {
      ...talent,
      services: {
        ...talent.services,
        [name]: { ...api, loadBalancing: { requestTimeout: 60, deregistrationDelay: 20 } },
      },
    };
    let error: unknown;
    try {
      resolve(app, 'dev');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find(
      (i) => i.path === `services.${name}.loadBalancing.deregistrationDelay`,
    );
    expect(issue?.message).toMatch(/below .*requestTimeout \(60 s\)/);
    // Declared alone, the request timeout raises the profile's delay to it.
    const raised = resolve(
      {
        ...talent,
        services: { ...talent.services, [name]: { ...api, loadBalancing: { requestTimeout: 60 } } },
      },
      'dev',
    );
    expect(raised.services[name]!.loadBalancing.deregistrationDelay).toBe(60);
  });
});
