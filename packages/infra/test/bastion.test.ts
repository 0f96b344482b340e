import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bastion } from '../src/index';
import { isolatedStack } from './support';

const ssm = { allowedCidrs: [], instanceType: 't4g.nano' };
const ssh = { allowedCidrs: ['203.0.113.10/32'], keyName: 'breakglass', instanceType: 't4g.nano' };

function synth(bastion: typeof ssm | typeof ssh) {
  const { stack, vpc } = isolatedStack();
  new Bastion(stack, 'Bastion', { vpc, bastion });
  return Template.fromStack(stack);
}

describe('Bastion', () => {
  it('is an SSM-managed AL2023 instance, IMDSv2, encrypted, no inbound and no public IP by default', () => {
    const t = synth(ssm);
    t.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      ImageId: { Ref: Match.stringLikeRegexp('al2023') },
      SubnetId: Match.anyValue(),
      KeyName: Match.absent(),
      NetworkInterfaces: Match.absent(),
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } },
      ],
    });
    // IMDSv2 on the instance itself: no launch template, whose fixed name would collide across environments.
    t.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required' } });
    t.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Bastion: SSM only, no inbound',
      SecurityGroupIngress: Match.absent(),
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        { 'Fn::Join': ['', Match.arrayWith([':iam::aws:policy/AmazonSSMManagedInstanceCore'])] },
      ],
    });
  });
  it('admits SSH from exactly the allowed CIDRs, with a key and a public IP', () => {
    const t = synth(ssh);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '203.0.113.10/32', FromPort: 22, ToPort: 22 })],
    });
    t.hasResourceProperties('AWS::EC2::Instance', {
      KeyName: 'breakglass',
      NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })],
    });
  });
  it('refuses SSH CIDRs without a key', () => {
    const { stack, vpc } = isolatedStack();
    expect(
      () => new Bastion(stack, 'Bastion', { vpc, bastion: { ...ssm, allowedCidrs: ['203.0.113.10/32'] } }),
    ).toThrow(/Bastion: SSH from 203.0.113.10\/32 needs keyName/);
  });
  it('refuses a range wider than /24', () => {
    const { stack, vpc } = isolatedStack();
    expect(
      () => new Bastion(stack, 'Bastion', { vpc, bastion: { ...ssh, allowedCidrs: ['0.0.0.0/0'] } }),
    ).toThrow(/Bastion: allowed CIDR "0.0.0.0\/0" is not a \/24–\/32 IPv4 range/);
  });
  it('refuses an SSM-only bastion in subnets without a way out', () => {
    const { stack, vpc } = isolatedStack();
    expect(() => new Bastion(stack, 'Bastion', { vpc, bastion: ssm, privateEgress: false })).toThrow(
      /Bastion: an SSM-only bastion needs a route to SSM/,
    );
  });
});
