import { Construct } from 'constructs';
import { Fn, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ResolvedCache } from '@berthjs/config';

export interface CacheProps {
  readonly vpc: ec2.IVpc;
  readonly cache: ResolvedCache;
  /** Private or isolated subnets for the nodes. */
  readonly subnets: ec2.SubnetSelection;
  /** Identifies the replication group in the console, e.g. `talent-prod`. */
  readonly name: string;
  /** SNAPSHOT or RETAIN in prod. */
  readonly removalPolicy: RemovalPolicy;
}

export const CACHE_LOGICAL_IDS = Object.freeze({
  replicationGroup: 'CacheReplicationGroup',
  subnetGroup: 'CacheSubnetGroup',
  authToken: 'CacheAuthToken',
});

const PORT = 6379;

/**
 * ElastiCache Redis or Valkey as a replication group: automatic failover and Multi-AZ with more than one node,
 * encryption at rest, and with tls in-transit encryption plus an AUTH token generated into Secrets Manager.
 *
 * Cost: cache.t3.micro ~$12/month per node, cache.t3.medium ~$50/month per node; the AUTH secret $0.40/month.
 */
export class Cache extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** `redis://host:6379` or `rediss://host:6379`: no credentials in it. */
  readonly url: string;
  /** The AUTH token secret, with tls. */
  readonly authToken?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { cache, vpc } = props;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Cache: only from services',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(PORT),
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `${props.name} cache`,
      subnetIds: vpc.selectSubnets(props.subnets).subnetIds,
    });
    subnetGroup.overrideLogicalId(CACHE_LOGICAL_IDS.subnetGroup);

    if (cache.tls) {
      this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
        description: `${props.name} cache AUTH token`,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: props.removalPolicy,
      });
      (this.authToken.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId(
        CACHE_LOGICAL_IDS.authToken,
      );
    }
    const replicated = cache.nodes > 1;
    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: `${props.name} ${cache.engine}`,
      engine: cache.engine,
      engineVersion: cache.version,
      cacheNodeType: cache.nodeType,
      numCacheClusters: cache.nodes,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: cache.tls,
      ...(this.authToken ? { authToken: this.authToken.secretValue.unsafeUnwrap() } : {}),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      port: PORT,
      // The cache is fail-open and rebuilt from the database: snapshots would only cost.
      snapshotRetentionLimit: 0,
    });
    this.replicationGroup.overrideLogicalId(CACHE_LOGICAL_IDS.replicationGroup);
    this.replicationGroup.applyRemovalPolicy(props.removalPolicy);
    this.url = Fn.join('', [
      cache.tls ? 'rediss://' : 'redis://',
      this.replicationGroup.attrPrimaryEndPointAddress,
      ':',
      String(PORT),
    ]);
  }

  /** Admits a peer (a service, a bastion) on the cache port. */
  allowFrom(peer: ec2.IConnectable, description = 'From a Berth service'): void {
    this.connections.allowDefaultPortFrom(peer, description);
  }
}
