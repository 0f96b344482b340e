import { beforeAll, describe, expect, it } from 'vitest';
import { awsvpcTasksPerInstance, ConfigError, resolve, type AppConfig } from '@berthjs/config';
import config from './berth.config';
import { resourcesOf, synthesizeSeed, type SeedEnvironment } from '../support';

// Tekalo's document, checked: an EC2 ceiling that holds the api's maximum in every environment, and a hosted zone per
// account (dev and staging in 111…, prod in 222…).
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});

const asg = (stage: string) =>
  Object.values(resourcesOf(envs[stage]!.app, 'AWS::AutoScaling::AutoScalingGroup'))[0]!.Properties as {
    MaxSize: string;
  };
const scalableMax = (stage: string) =>
  Object.values(resourcesOf(envs[stage]!.app, 'AWS::ApplicationAutoScaling::ScalableTarget'))[0]!.Properties!
    .MaxCapacity as number;
const instanceType = (stage: string) =>
  (
    Object.values(resourcesOf(envs[stage]!.app, 'AWS::EC2::LaunchTemplate'))[0]!.Properties as {
      LaunchTemplateData: { InstanceType: string };
    }
  ).LaunchTemplateData.InstanceType;

describe('tekalo: EC2 capacity', () => {
  it.each(['dev', 'staging', 'prod'])(
    '%s: the Auto Scaling group’s most instances hold the api’s most tasks, read from the template',
    (stage) => {
      const perInstance = awsvpcTasksPerInstance(instanceType(stage))!;
      expect(perInstance).toBe(2);
      expect(Number(asg(stage).MaxSize) * perInstance).toBeGreaterThanOrEqual(scalableMax(stage));
    },
  );

  it("refuses the document's own numbers: 4 × t3.medium under a prod maximum of 10", () => {
    const asDocumented = {
      ...config,
      environments: {
        ...config.environments,
        prod: {
          ...config.environments.prod,
          overrides: { services: { api: { scaling: { min: 3, max: 10 } } } },
        },
      },
    } as AppConfig;
    expect(() => resolve(asDocumented, 'prod')).toThrow(ConfigError);
    expect(() => resolve(asDocumented, 'prod')).toThrow(
      /4 × t3\.medium, which hold 8 awsvpc tasks.*at least 5/,
    );
  });
});

describe('tekalo: a hosted zone per account', () => {
  const zonesOf = (stage: string) =>
    new Set(
      Object.values(resourcesOf(envs[stage]!.app, 'AWS::Route53::RecordSet')).map(
        (r) => (r.Properties as { HostedZoneId: string }).HostedZoneId,
      ),
    );

  it("writes dev's and staging's records into their own zones, prod's into tekalo.org's", () => {
    expect([...zonesOf('dev')]).toEqual(['Z0TEKALODEV00000000']);
    expect([...zonesOf('staging')]).toEqual(['Z0TEKALOSTAGING0000']);
    expect([...zonesOf('prod')]).toEqual(['Z0TEKALO00000000000']);
  });

  it('refuses one zone for both accounts, as the document had it', () => {
    const oneZone = {
      ...config,
      environments: {
        ...config.environments,
        dev: { account: '111111111111', overrides: { edge: { domain: 'dev.tekalo.org' } } },
      },
    } as AppConfig;
    expect(() => resolve(oneZone, 'dev')).toThrow(
      /edge\.hostedZoneId: got "Z0TEKALO00000000000" for dev \(account 111111111111\), and prod \(account 222222222222\)/,
    );
  });
});
