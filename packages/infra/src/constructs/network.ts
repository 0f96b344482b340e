import { Construct } from 'constructs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ResolvedNetwork, VpcEndpoint } from '@berthjs/config';

export interface NetworkProps {
  /** The resolved network section. */
  readonly network: ResolvedNetwork;
  /** AZs to spread over, given explicitly so synthesis never looks them up. */
  readonly availabilityZones: readonly string[];
  /** Days the flow log group keeps records. @default 14 */
  readonly logRetentionDays?: number;
}

/**
 * A VPC over the configured AZs with three subnet tiers: `Public` (ALB, NAT), `App` (tasks; with egress through NAT,
 * or isolated when nat is 'none') and `Data` (database and cache, isolated). Plus the VPC endpoints the app needs
 * and flow logs.
 *
 * Cost: NAT ~$33/month each + $0.045/GB; interface endpoints ~$7.3/AZ/month each; the S3 gateway endpoint is free.
 */
export class Network extends Construct {
  /** Berth's own VPC, or the team's (`network.existing`), imported by id with the same subnet group names. */
  readonly vpc: ec2.IVpc;
  /** Where tasks run. */
  readonly appSubnets: ec2.SubnetSelection;
  /** Where the database and cache live. */
  readonly dataSubnets: ec2.SubnetSelection;
  /** Interface endpoints by Berth name (`ecr` has two: `ecr` and `ecr.dkr`). */
  readonly endpoints: Record<string, ec2.IVpcEndpoint>;
  /** Tasks get public IPs (no NAT needed). */
  readonly publicTasks: boolean;
  /** The one security group of the interface endpoints: HTTPS from the security groups admitted (`admit`) only. */
  private endpointSecurityGroup?: ec2.SecurityGroup;
  /** What reaches the interface endpoints, by a description naming it. */
  private readonly admitted: { readonly peer: ec2.IConnectable; readonly description: string }[] = [];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { network } = props;
    if (props.availabilityZones.length !== network.azs) {
      throw new Error(
        `${this.node.path}: ${props.availabilityZones.length} availability zones given for network.azs ${network.azs}; pass exactly ${network.azs}`,
      );
    }
    const natGateways = network.nat === 'none' ? 0 : network.nat === 'single' ? 1 : network.azs;
    const appType = natGateways === 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;

    const existing = network.existing;
    this.vpc = existing
      ? // The team's VPC: nothing created, its subnets named as Berth's own so every selection below holds.
        ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
          vpcId: existing.vpcId,
          vpcCidrBlock: existing.cidr,
          availabilityZones: [...(existing.availabilityZones ?? props.availabilityZones)],
          publicSubnetIds: [...existing.publicSubnetIds],
          publicSubnetNames: ['Public'],
          privateSubnetIds: [...existing.privateSubnetIds],
          privateSubnetNames: ['App'],
          isolatedSubnetIds: [...existing.dataSubnetIds],
          isolatedSubnetNames: ['Data'],
        })
      : new ec2.Vpc(this, 'Vpc', {
          ipAddresses: ec2.IpAddresses.cidr(network.cidr),
          availabilityZones: [...props.availabilityZones],
          natGateways,
          subnetConfiguration: [
            { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
            { name: 'App', subnetType: appType },
            { name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          ],
        });
    this.publicTasks = network.publicTasks;
    this.appSubnets = network.publicTasks ? { subnetGroupName: 'Public' } : { subnetGroupName: 'App' };
    this.dataSubnets = { subnetGroupName: 'Data' };

    if (network.flowLogs) {
      const logGroup = new logs.LogGroup(this, 'FlowLogs', {
        retention: (props.logRetentionDays ?? 14) as logs.RetentionDays,
      });
      this.vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      });
    }
    this.endpoints = this.createEndpoints(network.endpoints);
  }

  /**
   * Adds an endpoint the config did not list but something else in the VPC needs (the password-rotation function in
   * subnets without NAT needs Secrets Manager). No-op when it exists.
   */
  ensureEndpoint(name: VpcEndpoint): void {
    if (this.endpoints[name]) return;
    Object.assign(this.endpoints, this.createEndpoints([name]));
  }

  /**
   * Lets `peer` (a service's tasks, the EC2 capacity, the bastion, the rotation function) reach the interface
   * endpoints on 443, now and for any endpoint added later. Nothing else in the VPC does: the endpoints admit
   * security groups, not the VPC's CIDR.
   */
  admit(peer: ec2.IConnectable, description: string): void {
    this.admitted.push({ peer, description });
    if (this.endpointSecurityGroup) this.allowToEndpoints(peer, description);
  }

  /**
   * Admits everything of the stack that calls AWS from the VPC: each service's tasks (jobs run with their service's
   * group), the EC2 capacity (its agent pulls images and writes logs), the bastion and the password-rotation function.
   */
  admitAll(
    services: Readonly<Record<string, { readonly securityGroup: ec2.ISecurityGroup }>>,
    ec2Capacity?: { readonly securityGroup: ec2.ISecurityGroup },
    bastion?: ec2.IConnectable,
    database?: { readonly rotation?: ec2.IConnectable },
  ): void {
    for (const [name, s] of Object.entries(services)) this.admit(s.securityGroup, `service ${name}`);
    if (ec2Capacity) this.admit(ec2Capacity.securityGroup, 'the EC2 capacity');
    if (bastion) this.admit(bastion, 'the bastion');
    if (database?.rotation) this.admit(database.rotation, 'the password rotation');
  }

  /** One security group for every interface endpoint (as seed 004 has it): HTTPS from the admitted groups only. */
  private endpointSecurityGroupFor(): ec2.SecurityGroup {
    if (!this.endpointSecurityGroup) {
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'Interface endpoints: HTTPS from the app security groups only',
        allowAllOutbound: false,
      });
      for (const { peer, description } of this.admitted) this.allowToEndpoints(peer, description);
    }
    return this.endpointSecurityGroup;
  }

  private allowToEndpoints(peer: ec2.IConnectable, description: string): void {
    this.endpointSecurityGroup!.connections.allowFrom(peer, ec2.Port.tcp(443), `HTTPS from ${description}`);
  }

  private createEndpoints(wanted: readonly VpcEndpoint[]): Record<string, ec2.IVpcEndpoint> {
    const out: Record<string, ec2.IVpcEndpoint> = {};
    const subnets = { subnetGroupName: 'App' };
    for (const name of wanted) {
      if (name === 's3') {
        out.s3 = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
        continue;
      }
      for (const [key, service] of INTERFACE_SERVICES[name]) {
        out[key] = this.vpc.addInterfaceEndpoint(endpointId(key), {
          service,
          subnets,
          privateDnsEnabled: true,
          open: false,
          securityGroups: [this.endpointSecurityGroupFor()],
        });
      }
    }
    return out;
  }
}

/**
 * Interface endpoint services per Berth endpoint name. 'ses' is the SES API endpoint (`com.amazonaws.<region>.email`,
 * available since December 2025), not the SMTP one (`email-smtp`), which Berth's runtime does not speak.
 */
const INTERFACE_SERVICES: Readonly<
  Record<Exclude<VpcEndpoint, 's3'>, ReadonlyArray<readonly [string, ec2.InterfaceVpcEndpointAwsService]>>
> = {
  ecr: [
    ['ecr', ec2.InterfaceVpcEndpointAwsService.ECR],
    ['ecr.dkr', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
  ],
  logs: [['logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS]],
  secretsmanager: [['secretsmanager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER]],
  ssm: [['ssm', ec2.InterfaceVpcEndpointAwsService.SSM]],
  ssmmessages: [['ssmmessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES]],
  ec2messages: [['ec2messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES]],
  ses: [['email', new ec2.InterfaceVpcEndpointAwsService('email')]],
  sts: [['sts', ec2.InterfaceVpcEndpointAwsService.STS]],
};

/**
 * Whether an instance in the app subnets reaches Systems Manager: through NAT, or (nat 'none') through the ssm,
 * ssmmessages and ec2messages endpoints (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html).
 */
export function ssmReachable(network: Pick<ResolvedNetwork, 'nat' | 'endpoints'>): boolean {
  return (
    network.nat !== 'none' ||
    (['ssm', 'ssmmessages', 'ec2messages'] as const).every((e) => network.endpoints.includes(e))
  );
}

function endpointId(key: string): string {
  return key
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
