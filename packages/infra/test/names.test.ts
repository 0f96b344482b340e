import { beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  jobFamily,
  mailConfigurationSetName,
  mailEventsQueueName,
  resolve,
  scheduleName,
  serviceFamily,
  stackName,
} from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import { allStacks, buildApp } from '../src/index';
import { talentResolved } from './support';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const namesOf = (resources: Resources, type: string, key: string) =>
  Object.values(resources)
    .filter((r) => r.Type === type)
    .map((r) => r.Properties?.[key]);

// The names module is what infra names resources with: each name appears in the template as names.ts builds it.
describe('physical names in the talent prod template', () => {
  const r = talentResolved('prod');
  let resources: Resources;
  let stacks: string[];
  beforeAll(() => {
    const all = allStacks(buildApp(r));
    stacks = all.map((s) => s.stackName);
    const primary = all.find((s) => s.stackName === stackName(r))!;
    resources = templateResources(primary);
  });

  it('are pinned', () => {
    expect(stacks).toEqual(['talent-prod']);
    expect(namesOf(resources, 'AWS::ECS::TaskDefinition', 'Family').sort()).toEqual([
      'talent-prod-api',
      'talent-prod-job-purge-orphan-uploads',
      'talent-prod-job-send-reminders',
    ]);
    expect(namesOf(resources, 'AWS::Scheduler::Schedule', 'Name').sort()).toEqual([
      'talent-prod-purge-orphan-uploads',
      'talent-prod-send-reminders',
    ]);
    expect(namesOf(resources, 'AWS::SES::ConfigurationSet', 'Name')).toEqual(['talent-prod']);
    expect(namesOf(resources, 'AWS::SQS::Queue', 'QueueName')).toContain('talent-prod-mail-events');
  });

  it('are the names.ts names', () => {
    expect(namesOf(resources, 'AWS::ECS::TaskDefinition', 'Family').sort()).toEqual(
      [serviceFamily(r, 'api'), ...Object.keys(r.jobs).map((j) => jobFamily(r, j))].sort(),
    );
    expect(namesOf(resources, 'AWS::Scheduler::Schedule', 'Name').sort()).toEqual(
      Object.keys(r.jobs)
        .map((j) => scheduleName(r, j))
        .sort(),
    );
    expect(namesOf(resources, 'AWS::SES::ConfigurationSet', 'Name')).toEqual([mailConfigurationSetName(r)]);
    expect(namesOf(resources, 'AWS::SQS::Queue', 'QueueName')).toContain(mailEventsQueueName(r));
  });
});

describe('physical names of a standby', () => {
  it('name the standby stack and its families', () => {
    const r = resolve(helloYou, 'prod');
    const all = allStacks(buildApp(r));
    expect(all.map((s) => s.stackName)).toEqual([stackName(r), stackName(r, 'standby')]);
    expect(stackName(r, 'standby')).toBe('hello-you-prod-standby');
    const standby = templateResources(all[1]!);
    expect(namesOf(standby, 'AWS::ECS::TaskDefinition', 'Family')).toEqual(
      Object.keys(r.services).map((s) => serviceFamily(r, s, true)),
    );
  });
});

function templateResources(stack: Stack): Resources {
  return Template.fromStack(stack).toJSON().Resources as Resources;
}
