import { Construct } from 'constructs';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { isGraviton, type ResolvedEc2Capacity } from '@berthjs/config';

export interface Ec2CapacityProps {
  readonly cluster: ecs.Cluster;
  readonly capacity: ResolvedEc2Capacity;
  /** Where the instances run (the App subnets). */
  readonly subnets: ec2.SubnetSelection;
  /** Instances get public IPs (public subnets without NAT). @default false */
  readonly associatePublicIp?: boolean;
  /** CPU architecture of the services placed here. @default 'x86_64' */
  readonly arch?: 'x86_64' | 'arm64';
}

export { isGraviton };

/**
 * ECS on EC2: an Auto Scaling group of ECS-optimized Amazon Linux 2023 instances (the AMI id is an SSM parameter
 * CloudFormation resolves at deploy time, so synthesis needs no lookup), IMDSv2 only, encrypted root volumes, and a
 * capacity provider with managed scaling at `targetCapacityPercent` and managed termination protection, so ECS adds
 * instances when tasks do not fit and never removes one that still runs a task.
 *
 * Tasks use awsvpc networking: each task takes an ENI, and small instances hold few (t3.medium: 2 tasks). Resolve
 * sizes an unset maxInstances to hold the services' most tasks and refuses a set one below them (config eni.ts,
 * resolve/by-hand.ts). ENI trunking (`aws ecs put-account-setting --name awsvpcTrunking --value enabled`) holds more
 * on supported types; Berth does not count on it, since the template cannot see the account setting.
 *
 * Cost: the instances at EC2 prices (t3.medium ~$30/month each, minInstances always on) + their EBS volumes
 * (30 GB gp3 ~$2.4/month each); the capacity provider itself is free.
 */
export class Ec2Capacity extends Construct {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly capacityProvider: ecs.AsgCapacityProvider;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: Ec2CapacityProps) {
    super(scope, id);
    const { capacity } = props;
    const arm = isGraviton(capacity.instanceType);
    if (arm !== (props.arch === 'arm64')) {
      throw new Error(
        `${this.node.path}: instance type '${capacity.instanceType}' runs ${arm ? 'arm64' : 'x86_64'}, but the services placed on it are ${props.arch ?? 'x86_64'}; pick a ${props.arch === 'arm64' ? 'Graviton (…g.)' : 'non-Graviton'} type or change the services' arch`,
      );
    }
    if (capacity.minInstances > capacity.maxInstances) {
      throw new Error(
        `${this.node.path}: minInstances ${capacity.minInstances} is above maxInstances ${capacity.maxInstances}`,
      );
    }
    const vpc = props.cluster.vpc;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'ECS container instances: no inbound; tasks have their own security groups (awsvpc)',
      allowAllOutbound: true,
    });
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: new ec2.InstanceType(capacity.instanceType),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(
        arm ? ecs.AmiHardwareType.ARM : ecs.AmiHardwareType.STANDARD,
      ),
      requireImdsv2: true,
      // awsvpc tasks take credentials from the ECS agent, never from instance metadata: keep IMDS to the host.
      httpPutResponseHopLimit: 1,
      securityGroup: this.securityGroup,
      // The ECS agent's permissions are added to this role when the capacity provider joins the cluster.
      role: new iam.Role(this, 'InstanceRole', {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
        description: 'ECS container instances: register with the cluster, pull images for tasks',
      }),
      userData: ec2.UserData.forLinux(),
      associatePublicIpAddress: props.associatePublicIp ?? false,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Instances', {
      vpc,
      vpcSubnets: props.subnets,
      launchTemplate,
      minCapacity: capacity.minInstances,
      maxCapacity: capacity.maxInstances,
      // Managed termination protection needs new instances protected from scale-in; ECS lifts it when empty.
      newInstancesProtectedFromScaleIn: true,
    });
    this.capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      targetCapacityPercent: capacity.targetCapacityPercent,
      enableManagedTerminationProtection: true,
      enableManagedDraining: true,
    });
    props.cluster.addAsgCapacityProvider(this.capacityProvider);
  }
}
