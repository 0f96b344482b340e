import { Construct } from 'constructs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ResolvedBastion } from '@berthjs/config';
import { isGraviton } from './capacity';

export interface BastionProps {
  readonly vpc: ec2.IVpc;
  readonly bastion: ResolvedBastion;
  /** Private subnets with a route out (SSM needs one) for an SSM-only bastion. @default { subnetGroupName: 'App' } */
  readonly privateSubnets?: ec2.SubnetSelection;
  /** Whether privateSubnets reach the internet (NAT). An SSM-only bastion needs it. @default true */
  readonly privateEgress?: boolean;
}

/** A bastion admits single hosts or small ranges: /24 to /32, never the internet. */
const MIN_PREFIX = 24;

/**
 * Break-glass access to the database and cache: one Amazon Linux 2023 instance managed by SSM Session Manager
 * (`aws ssm start-session --target <id>`, port forwarding to the database), with no inbound rule, no public IP, IMDSv2
 * only and an encrypted root volume. With a key pair and allowed CIDRs it also takes SSH from exactly those CIDRs,
 * and then sits in a public subnet with a public IP (seed 002's /32 bastion). The database and cache admit it
 * through their `allowFrom` hooks; nothing else does.
 *
 * Cost: t4g.nano ~$3/month + 8 GB gp3 ~$0.64/month; Session Manager is free.
 */
export class Bastion extends Construct implements ec2.IConnectable {
  readonly instance: ec2.Instance;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    const { bastion, vpc } = props;
    const ssh = bastion.allowedCidrs.length > 0;
    if (ssh && !bastion.keyName) {
      throw new Error(
        `${this.node.path}: SSH from ${bastion.allowedCidrs.join(', ')} needs keyName; without a key the bastion is reached through SSM only`,
      );
    }
    for (const cidr of bastion.allowedCidrs) {
      const prefix = Number(cidr.split('/')[1]);
      if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr) || !(prefix >= MIN_PREFIX && prefix <= 32)) {
        throw new Error(
          `${this.node.path}: allowed CIDR ${JSON.stringify(cidr)} is not a /${MIN_PREFIX}–/32 IPv4 range; a bastion admits single hosts or small ranges`,
        );
      }
    }
    if (!ssh && props.privateEgress === false) {
      throw new Error(
        `${this.node.path}: an SSM-only bastion needs a route to SSM, and these subnets have no NAT; use nat 'single' or SSH (keyName + allowedCidrs)`,
      );
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: ssh
        ? `Bastion: SSH from ${bastion.allowedCidrs.join(', ')} only`
        : 'Bastion: SSM only, no inbound',
      allowAllOutbound: true,
    });
    for (const cidr of bastion.allowedCidrs) {
      this.securityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(22), `SSH from ${cidr}`);
    }
    this.connections = this.securityGroup.connections;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Bastion: SSM Session Manager only',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const arm = isGraviton(bastion.instanceType);
    this.instance = new ec2.Instance(this, 'Instance', {
      vpc,
      vpcSubnets: ssh
        ? { subnetType: ec2.SubnetType.PUBLIC }
        : (props.privateSubnets ?? { subnetGroupName: 'App' }),
      // Set only for SSH: the property moves the instance into a network-interface block, public IP included.
      ...(ssh ? { associatePublicIpAddress: true } : {}),
      instanceType: new ec2.InstanceType(bastion.instanceType),
      // An SSM parameter resolved at deploy time: no lookup at synth.
      machineImage: ec2.MachineImage.latestAmazonLinux2023({
        cpuType: arm ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
      }),
      securityGroup: this.securityGroup,
      role: this.role,
      // IMDSv2 on the instance itself: `requireImdsv2` would add a launch template with the fixed name
      // `InstanceLaunchTemplate`, which collides between environments of one account and region.
      httpTokens: ec2.HttpTokens.REQUIRED,
      detailedMonitoring: false,
      ...(bastion.keyName ? { keyPair: ec2.KeyPair.fromKeyPairName(this, 'KeyPair', bastion.keyName) } : {}),
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
  }
}
