import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { resolve, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { berthStacks, buildApp } from '../src/index';

export function talentResolved(stage: 'dev' | 'staging' | 'prod'): ResolvedApp {
  return resolve(talent, stage);
}

/** Synthesizes one environment and returns its template (synthesis is the slow part: share it per file). */
export function templateOf(resolved: ResolvedApp): Template {
  const app = buildApp(resolved);
  return Template.fromStack(berthStacks(app)[0]!);
}

/** A ResolvedApp with some fields replaced (resolve() freezes its output; tests edit a copy). */
export function withChanges(resolved: ResolvedApp, changes: Partial<ResolvedApp>): ResolvedApp {
  return { ...resolved, ...changes };
}

/** An empty stack with a two-AZ VPC (isolated `Data` and `App` subnet groups), for constructs tested alone. */
export function isolatedStack(region = 'us-east-1', account = '111111111111') {
  const stack = new Stack(new App(), 'S', { env: { region, account } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: [`${region}a`, `${region}b`],
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { stack, vpc };
}
