import { createHash } from 'node:crypto';
import type { Construct } from 'constructs';
import { Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Network } from './network';

/** Logical ID of the standby's VPC peering connection (the runbook names it). */
export const PEERING_LOGICAL_ID = 'StandbyPeering';

export interface PeeringProps {
  /** The standby's network (this side requests the peering). */
  readonly network: Network;
  readonly primaryRegion: string;
  readonly primary: {
    readonly vpcId: string;
    readonly vpcCidr: string;
    /** The primary's data-subnet route tables, comma-separated. */
    readonly dataRouteTableIds: string;
    readonly dataRouteTableCount: number;
  };
  /** The standby VPC's CIDR. */
  readonly cidr: string;
}

/**
 * Cross-region VPC peering with the primary VPC, routes both ways: the standby's task subnets to the primary's CIDR
 * (AWS::EC2::Route in this stack) and the primary's data subnets (the database's) back to the standby's CIDR. The
 * primary's route tables live in another region, where this stack's resources cannot be: an SDK call there
 * (AwsCustomResource with `region`) creates, replaces and deletes those routes, allowed only on route tables of the
 * primary VPC.
 *
 * Peering rather than Transit Gateway: two VPCs need no hub; a peering connection has no hourly charge and bills only
 * inter-region data transfer, where Transit Gateway bills every attachment by the hour plus per GB processed.
 * https://docs.aws.amazon.com/whitepapers/latest/building-scalable-secure-multi-vpc-network-infrastructure/vpc-peering.html
 * Same account: "the peering request is accepted without a peering role"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcpeeringconnection.html).
 */
export function peerWithPrimary(scope: Construct, props: PeeringProps): ec2.CfnVPCPeeringConnection {
  const { network, primaryRegion, primary, cidr } = props;
  const stack = Stack.of(scope);
  const peering = new ec2.CfnVPCPeeringConnection(scope, 'Peering', {
    vpcId: network.vpc.vpcId,
    peerVpcId: primary.vpcId,
    peerRegion: primaryRegion,
  });
  peering.overrideLogicalId(PEERING_LOGICAL_ID);
  network.vpc.selectSubnets(network.appSubnets).subnets.forEach((subnet, i) => {
    new ec2.CfnRoute(scope, `ToPrimary${i}`, {
      routeTableId: subnet.routeTable.routeTableId,
      destinationCidrBlock: primary.vpcCidr,
      vpcPeeringConnectionId: peering.ref,
    });
  });
  // A new primary VPC (its CIDR changed) has new route tables, and a new standby CIDR is a new destination: new
  // resources create those routes and the old ones delete theirs, never two routes to one destination in one table.
  // One more or one fewer AZ adds or removes the resource of that table only. Within one generation, a new peering
  // connection replaces the routes' target (ReplaceRoute).
  const generation = createHash('sha256')
    .update(JSON.stringify([primary.vpcCidr, cidr]))
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
  const tables = Fn.split(',', primary.dataRouteTableIds, primary.dataRouteTableCount);
  for (let i = 0; i < primary.dataRouteTableCount; i++) {
    const route = { RouteTableId: tables[i]!, DestinationCidrBlock: cidr };
    const call = (action: string, parameters: Record<string, unknown>): cr.AwsSdkCall => ({
      service: 'EC2',
      action,
      region: primaryRegion,
      parameters,
      physicalResourceId: cr.PhysicalResourceId.of(`${route.RouteTableId}|${cidr}`),
    });
    const target = { ...route, VpcPeeringConnectionId: peering.ref };
    // Exactly this route table and this peering connection (its ID is the same on both sides; named in both
    // regions): nothing else in the primary region can be routed by this function.
    const arn = (region: string, resource: string) =>
      `arn:${stack.partition}:ec2:${region}:${stack.account}:${resource}`;
    const policy = cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({
        actions: ['ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute'],
        resources: [arn(primaryRegion, `route-table/${route.RouteTableId}`)],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateRoute', 'ec2:ReplaceRoute'],
        resources: [primaryRegion, stack.region].map((region) =>
          arn(region, `vpc-peering-connection/${peering.ref}`),
        ),
      }),
    ]);
    new cr.AwsCustomResource(scope, `PrimaryRoute${i}${generation}`, {
      onCreate: call('createRoute', target),
      onUpdate: call('replaceRoute', target),
      onDelete: {
        ...call('deleteRoute', route),
        ignoreErrorCodesMatching: 'InvalidRoute\\.NotFound|InvalidRouteTableID\\.NotFound',
      },
      policy,
      installLatestAwsSdk: false,
    });
  }
  return peering;
}
