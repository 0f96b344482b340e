import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Ec2Capacity } from '../src/index';
import { isGraviton } from '../src/constructs/capacity';
import { isolatedStack } from './support';

const capacity = { instanceType: 't3.medium', minInstances: 1, maxInstances: 4, targetCapacityPercent: 90 };

function synth() {
  const { stack, vpc } = isolatedStack();
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  new Ec2Capacity(stack, 'Ec2', { cluster, capacity, subnets: { subnetGroupName: 'App' } });
  return Template.fromStack(stack);
}

describe('Ec2Capacity', () => {
  const template = synth();
  it('runs an Auto Scaling group of min..max instances', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '1',
      MaxSize: '4',
      NewInstancesProtectedFromScaleIn: true,
    });
  });
  it('launches the ECS-optimized AL2023 AMI from an SSM parameter, IMDSv2 only, encrypted', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 't3.medium',
        ImageId: { Ref: Match.stringLikeRegexp('SsmParameterValueawsserviceecsoptimizedamiamazonlinux2023') },
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 30, VolumeType: 'gp3' } },
        ],
      }),
    });
    // The AMI is a deploy-time parameter: no lookup at synth.
    const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    expect(
      Object.values(params).some((p) =>
        p.Default?.includes('/aws/service/ecs/optimized-ami/amazon-linux-2023/'),
      ),
    ).toBe(true);
  });
  it('is a capacity provider with managed scaling at the target percent and termination protection', () => {
    template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 90 }),
        ManagedTerminationProtection: 'ENABLED',
      }),
    });
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith([{ Ref: Match.stringLikeRegexp('CapacityProvider') }]),
    });
  });
  it('knows Graviton types', () => {
    expect(isGraviton('t4g.nano')).toBe(true);
    expect(isGraviton('c6gn.large')).toBe(true);
    expect(isGraviton('t3.medium')).toBe(false);
  });
  it('refuses an instance architecture the services do not run', () => {
    const { stack, vpc } = isolatedStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    expect(
      () =>
        new Ec2Capacity(stack, 'Ec2', {
          cluster,
          capacity: { ...capacity, instanceType: 't4g.medium' },
          subnets: {},
        }),
    ).toThrow(/Ec2: instance type 't4g.medium' runs arm64, but the services placed on it are x86_64/);
  });
  it('refuses more minimum than maximum instances', () => {
    const { stack, vpc } = isolatedStack();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    expect(
      () =>
        new Ec2Capacity(stack, 'Ec2', { cluster, capacity: { ...capacity, minInstances: 5 }, subnets: {} }),
    ).toThrow(/Ec2: minInstances 5 is above maxInstances 4/);
  });
});
