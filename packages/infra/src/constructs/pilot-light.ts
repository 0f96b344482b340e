import { Construct } from 'constructs';
import { ArnFormat, CfnCondition, CfnOutput, CfnParameter, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  contractFor,
  globalClusterIdentifier,
  OUTPUT_KEYS,
  pascal,
  prefixOf,
  repositoryName,
  routeOrder,
  serviceFamily,
  type ResolvedApp,
  type ResolvedService,
} from '@berthjs/config';
import type { ContractStores, DatabaseStore } from '../contract-sources';
import { Cache } from './cache';
import { carriedAcrossRegions } from './cross-region';
import { DATABASE_LOGICAL_IDS, DATABASE_USERNAME, PORT as DATABASE_PORT, type Database } from './database';
import { Edge } from './edge';
import { Network } from './network';
import { OperatorPolicy } from './operator';
import { RunbookOutputs } from './outputs';
import { PEERING_LOGICAL_ID, peerWithPrimary } from './peering';
import { Service } from './service';
import { standbyOperatorPolicyName } from '../iam/operator-calls';

/** Logical IDs of the standby's stateful resources: renaming one replaces the replica. A test pins them. */
export const STANDBY_LOGICAL_IDS = Object.freeze({
  replica: 'StandbyDatabaseReplica',
  cluster: 'StandbyDatabaseCluster',
  globalCluster: 'DatabaseGlobalCluster',
  peering: PEERING_LOGICAL_ID,
});

/**
 * The standby stack's parameter that says which database its tasks write to: `primary` (the primary region's
 * writer, over the VPC peering, while it lives) or `promoted` (the standby's own replica, once the runbook promoted
 * it). The runbook's promotion step flips it; deploys keep its previous value.
 */
export const DATABASE_WRITER_PARAMETER = 'DatabaseWriter';
export const DATABASE_WRITER_MODES = ['primary', 'promoted'] as const;

export interface PilotLightProps {
  readonly resolved: ResolvedApp;
  /** The primary database, replicated to the standby region. */
  readonly database: Database;
  /** The primary VPC, peered with the standby's. */
  readonly network: Network;
}

/** What the standby stack reads of the primary, each under a cross-region key that changes when the value does. */
export interface PrimaryValues {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Route tables of the primary's data subnets (the database's), comma-separated: replies to the standby leave here. */
  readonly dataRouteTableIds: string;
  readonly dataRouteTableCount: number;
  /** RDS only: the instance the cross-region read replica follows. */
  readonly databaseArn?: string;
  /** The primary writer's host: the standby's PGHOST while the primary lives. */
  readonly databaseHost: string;
  readonly databaseSecretArn: string;
}

/**
 * The primary-region half of a pilot light: the database secret is replicated to the standby region (so the
 * standby's tasks read it locally, and rotation keeps both copies in step), and an Aurora cluster becomes the primary
 * of a global database. An RDS instance needs nothing here: the standby's cross-region read replica names it.
 *
 * Cost: a secret replica $0.40/month; a global database adds replicated-write I/O ($0.20 per million).
 */
export class PilotLight extends Construct {
  /** Aurora only: the global cluster the standby's secondary cluster joins. */
  readonly globalCluster?: rds.CfnGlobalCluster;
  readonly globalClusterIdentifier?: string;
  readonly values: PrimaryValues;

  constructor(scope: Construct, id: string, props: PilotLightProps) {
    super(scope, id);
    const { resolved: r, database } = props;
    const standby = r.standby;
    if (!standby) throw new Error(`${this.node.path}: the environment has no standby region`);
    if (!r.database)
      throw new Error(`${this.node.path}: a pilot light replicates the database; the app has none`);
    if (!database.generatedSecret)
      throw new Error(
        `${this.node.path}: the database secret is imported; only a generated secret can be replicated`,
      );
    if (r.network.existing)
      throw new Error(
        `${this.node.path}: a pilot light peers the primary VPC with the standby's, and network.existing is a VPC Berth does not own (its route tables are yours); drop standby, or let Berth create the VPC`,
      );
    database.generatedSecret.addReplicaRegion(standby.region);
    // The standby's tasks write here while the primary lives, over the VPC peering. A security group cannot name a
    // group in a peer VPC of another Region: "use the CIDR block of the peer VPC" instead
    // (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html).
    database.connections.allowFrom(
      ec2.Peer.ipv4(standby.cidr),
      ec2.Port.tcp(DATABASE_PORT),
      `Standby tasks in ${standby.region} (${standby.cidr}) over VPC peering`,
    );

    // Carried under keys that change with what decides each value, so a replaced VPC, database or secret reaches
    // the standby (see cross-region.ts): the VPC by its CIDR and AZs, the database by what replaces it.
    const stack = Stack.of(this);
    const vpc = props.network.vpc;
    const networkIdentity = [r.network.cidr, String(r.network.azs)];
    const owner = database.cluster ?? database.instance;
    const databaseIdentity = [
      owner ? stack.getLogicalId(owner.node.defaultChild as rds.CfnDBInstance) : '',
      r.database.engine,
      r.database.name,
      r.database.snapshot?.identifier ?? '',
      r.network.cidr,
    ];
    const dataRouteTables = vpc
      .selectSubnets(props.network.dataSubnets)
      .subnets.map((s) => s.routeTable.routeTableId);
    this.values = {
      vpcId: carriedAcrossRegions(this, 'VpcId', vpc.vpcId, networkIdentity),
      vpcCidr: r.network.cidr,
      dataRouteTableIds: carriedAcrossRegions(
        this,
        'DataRouteTables',
        Fn.join(',', dataRouteTables),
        networkIdentity,
      ),
      dataRouteTableCount: dataRouteTables.length,
      ...(database.instance
        ? {
            databaseArn: carriedAcrossRegions(
              this,
              'DatabaseArn',
              database.instance.instanceArn,
              databaseIdentity,
            ),
          }
        : {}),
      databaseHost: carriedAcrossRegions(this, 'DatabaseHost', database.host, databaseIdentity),
      databaseSecretArn: carriedAcrossRegions(this, 'DatabaseSecretArn', database.secret.secretArn, [
        DATABASE_LOGICAL_IDS.secret,
        database.username,
      ]),
    };
    if (database.cluster) {
      this.globalClusterIdentifier = globalClusterIdentifier(r);
      this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
        globalClusterIdentifier: this.globalClusterIdentifier,
        sourceDbClusterIdentifier: database.cluster.clusterArn,
        deletionProtection: r.deletionProtection,
      });
      this.globalCluster.overrideLogicalId(STANDBY_LOGICAL_IDS.globalCluster);
      // Fixed identifier: a rolled-back create deletes it (RetainExceptOnCreate), so the retry can create it again.
      this.globalCluster.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }
  }
}

export interface PilotLightStandbyProps {
  readonly resolved: ResolvedApp;
  /** The primary stack's database and pilot light (read through CDK cross-region references). */
  readonly primaryDatabase: Database;
  readonly primary: PilotLight;
  /** The image tag the standby's services run (its own ImageTag parameter). */
  readonly imageTag: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The standby-region half of a pilot light (seed 002's proposal, built): a VPC of the same shape with one NAT
 * gateway on `standby.cidr`, peered with the primary VPC (peering.ts) so that, while the primary database lives, the
 * standby's tasks write to it (partial failover: only the primary's compute is down), a cross-region read replica of the RDS instance (or an Aurora global database secondary cluster), the
 * database secret's regional replica, a one-node cache when the app has one, an ALB with its own certificate, and the
 * services at `standby.tasks` tasks (0 by default) with no autoscaling: ready to scale when the runbook says so.
 * The Route 53 SECONDARY records point here; the primary's PRIMARY records carry the health check.
 *
 * Images come from the primary registry's replication to this region (built services) or from their external
 * registry; external registry credentials and user secrets must exist in this region too (replicate them in Secrets
 * Manager). Buckets and mail are regional and not replicated: an app whose services use them is refused.
 *
 * `PGHOST` follows the runbook's promotion through the DatabaseWriter parameter (DATABASE_WRITER_PARAMETER).
 *
 * Cost (idle): replica instance at its class price (db.t3.small ~$26/month) + storage, ALB ~$16.4, NAT ~$33,
 * KMS key $1, secret replica $0.40; tasks $0 at 0 tasks; the peering $0 (inter-region data transfer per GB).
 */
export class PilotLightStandby extends Construct {
  readonly network: Network;
  readonly edge: Edge;
  readonly cluster: ecs.Cluster;
  readonly services: Readonly<Record<string, Service>>;
  readonly databaseKey: kms.Key;
  readonly replica?: rds.CfnDBInstance;
  readonly secondaryCluster?: rds.CfnDBCluster;
  readonly cache?: Cache;
  /** The VPC peering with the primary region (this side requests; same account, so it is accepted at once). */
  readonly peering: ec2.CfnVPCPeeringConnection;
  /** `DatabaseWriter`: which database the standby's tasks write to (see DATABASE_WRITER_PARAMETER). */
  readonly databaseWriter: CfnParameter;

  constructor(scope: Construct, id: string, props: PilotLightStandbyProps) {
    super(scope, id);
    const r = props.resolved;
    const standby = r.standby;
    const db = r.database;
    if (!standby || !db)
      throw new Error(`${this.node.path}: a standby needs resolved.standby and a database`);
    for (const s of Object.values(r.services)) {
      if (s.uses.buckets.length || (r.mail && s.uses.mail)) {
        throw new Error(
          `${this.node.path}: service '${s.name}' uses ${s.uses.buckets.length ? `buckets (${s.uses.buckets.join(', ')})` : 'mail'}, which the pilot-light standby does not replicate yet; set uses for it, or drop standby`,
        );
      }
    }
    const stack = Stack.of(this);

    // Its own CIDR (standby.cidr: never overlapping the primary's), so the two VPCs can be peered.
    this.network = new Network(this, 'Network', {
      network: { ...r.network, cidr: standby.cidr, nat: r.network.nat === 'none' ? 'none' : 'single' },
      availabilityZones: stack.availabilityZones,
      logRetentionDays: r.logRetentionDays,
    });
    const vpc = this.network.vpc;
    const primaryValues = props.primary.values;
    this.peering = peerWithPrimary(this, {
      network: this.network,
      primaryRegion: r.region,
      primary: primaryValues,
      cidr: standby.cidr,
    });

    // Cross-region replicas of encrypted databases must name a key in their own region.
    this.databaseKey = new kms.Key(this, 'DatabaseKey', {
      description: `${r.app}-${r.stage} standby database`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const dbSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'Standby database: only from standby services',
      allowAllOutbound: false,
    });
    const dbConnections = new ec2.Connections({
      securityGroups: [dbSecurityGroup],
      defaultPort: ec2.Port.tcp(5432),
    });
    const subnetGroup = new rds.CfnDBSubnetGroup(this, 'DatabaseSubnets', {
      dbSubnetGroupDescription: `${r.app}-${r.stage} standby database`,
      subnetIds: vpc.selectSubnets(this.network.dataSubnets).subnetIds,
    });

    let readHost: string;
    // After promotion the standby's writer: the replica instance, or the secondary cluster's writer endpoint.
    let promotedHost: string;
    if (db.engine === 'postgres') {
      const primaryArn = primaryValues.databaseArn;
      if (!primaryArn)
        throw new Error(`${this.node.path}: engine postgres, but the primary has no RDS instance`);
      this.replica = new rds.CfnDBInstance(this, 'DatabaseReplica', {
        sourceDbInstanceIdentifier: primaryArn,
        sourceRegion: r.region,
        dbInstanceClass: db.instanceClass,
        // A replica inherits encryption from its source and RDS rejects StorageEncrypted beside
        // SourceDBInstanceIdentifier (cfn-lint E3020); a cross-region replica names its own region's key instead.
        kmsKeyId: this.databaseKey.keyArn,
        // Same storage as the primary, so a promoted replica performs and grows as the primary did.
        storageType: 'gp3',
        maxAllocatedStorage: db.storage.max,
        dbSubnetGroupName: subnetGroup.ref,
        vpcSecurityGroups: [dbSecurityGroup.securityGroupId],
        publiclyAccessible: false,
        multiAz: false,
        deletionProtection: r.deletionProtection,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        enableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      });
      this.replica.overrideLogicalId(STANDBY_LOGICAL_IDS.replica);
      this.replica.applyRemovalPolicy(props.removalPolicy);
      readHost = this.replica.attrEndpointAddress;
      promotedHost = this.replica.attrEndpointAddress;
    } else {
      if (!props.primary.globalClusterIdentifier)
        throw new Error(`${this.node.path}: Aurora standby needs the primary's global cluster`);
      this.secondaryCluster = new rds.CfnDBCluster(this, 'DatabaseCluster', {
        engine: 'aurora-postgresql',
        engineVersion: db.version,
        globalClusterIdentifier: props.primary.globalClusterIdentifier,
        dbSubnetGroupName: subnetGroup.ref,
        vpcSecurityGroupIds: [dbSecurityGroup.securityGroupId],
        storageEncrypted: true,
        kmsKeyId: this.databaseKey.keyArn,
        port: 5432,
        // A global database member never pauses: 0.5 ACU is its floor.
        serverlessV2ScalingConfiguration: { minCapacity: Math.max(0.5, db.minAcu), maxCapacity: db.maxAcu },
        deletionProtection: r.deletionProtection,
        copyTagsToSnapshot: true,
        enableCloudwatchLogsExports: ['postgresql'],
      });
      this.secondaryCluster.overrideLogicalId(STANDBY_LOGICAL_IDS.cluster);
      this.secondaryCluster.applyRemovalPolicy(props.removalPolicy);
      new rds.CfnDBInstance(this, 'DatabaseInstance', {
        dbClusterIdentifier: this.secondaryCluster.ref,
        dbInstanceClass: 'db.serverless',
        engine: 'aurora-postgresql',
        publiclyAccessible: false,
      }).applyRemovalPolicy(props.removalPolicy);
      readHost = this.secondaryCluster.attrReadEndpointAddress;
      promotedHost = this.secondaryCluster.attrEndpointAddress;
    }

    // PGHOST follows the runbook: the primary's writer (over the peering) until the promotion step flips
    // DatabaseWriter to 'promoted', then the standby's own, promoted database.
    this.databaseWriter = new CfnParameter(stack, DATABASE_WRITER_PARAMETER, {
      type: 'String',
      default: 'primary',
      allowedValues: [...DATABASE_WRITER_MODES],
      description:
        "Which database the standby's tasks write to: the primary region's (primary) or this region's after the runbook promoted it (promoted).",
    });
    const promoted = new CfnCondition(stack, 'DatabasePromoted', {
      expression: Fn.conditionEquals(this.databaseWriter.valueAsString, 'promoted'),
    });
    const host = Fn.conditionIf(promoted.logicalId, promotedHost, primaryValues.databaseHost).toString();

    // The secret's replica in this region has the primary's ARN with this region in it.
    const primarySecretArn = Fn.split(':', primaryValues.databaseSecretArn, 7);
    const secretArn = Fn.join(':', [
      Fn.select(0, primarySecretArn),
      Fn.select(1, primarySecretArn),
      Fn.select(2, primarySecretArn),
      stack.region,
      Fn.select(4, primarySecretArn),
      Fn.select(5, primarySecretArn),
      Fn.select(6, primarySecretArn),
    ]);
    const database: DatabaseStore = {
      secret: secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseSecret', secretArn),
      readHost,
      host,
      port: DATABASE_PORT,
      username: DATABASE_USERNAME,
      dbname: db.name,
      allowFrom: (peer, description = 'From a standby service') =>
        dbConnections.allowDefaultPortFrom(peer, description),
    };

    if (r.cache) {
      this.cache = new Cache(this, 'Cache', {
        vpc,
        cache: { ...r.cache, nodes: 1 },
        subnets: this.network.dataSubnets,
        name: `${prefixOf(r)}-standby`,
        removalPolicy: props.removalPolicy,
      });
    }

    this.edge = new Edge(this, 'Edge', {
      vpc,
      edge: r.edge,
      routes: routeOrder(r),
      deletionProtection: r.deletionProtection,
      logBucketRemoval: RemovalPolicy.RETAIN,
      hosts: Object.values(r.services).flatMap((s) => s.hosts),
      failover: 'SECONDARY',
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    // The standby's tasks talk to this region: AWS_REGION and the secret ARN are the standby's.
    const here: ResolvedApp = { ...r, region: stack.region };
    const stores: ContractStores = { database, ...(this.cache ? { cache: this.cache } : {}) };
    const services: Record<string, Service> = {};
    for (const s of Object.values(r.services)) {
      services[s.name] = new Service(this, `Service${pascal(s.name)}`, {
        cluster: this.cluster,
        // EC2 capacity is not built in the standby: it runs the same image on Fargate. Standby tasks serve no traffic
        // until a failover (usually 0 of them), so a release has nothing to shift: they deploy rolling.
        service: {
          ...s,
          ...(s.capacity === 'ec2' ? { capacity: 'fargate' as const } : {}),
          deploy: { strategy: 'rolling' },
        },
        contract: contractFor(here, s.name),
        image: this.imageFor(s, props.imageTag, r.app),
        subnets: this.network.appSubnets,
        assignPublicIp: this.network.publicTasks,
        stores,
        edge: this.edge,
        logRetentionDays: r.logRetentionDays,
        family: serviceFamily(r, s.name, true),
        desiredCount: standby.tasks,
        autoscale: false,
      });
      // Its interface endpoints admit the standby's tasks by security group, as the primary's do.
      this.network.admit(services[s.name]!.securityGroup, `service ${s.name}`);
    }
    this.services = services;
    // The names `berth status`, `logs` and `exec --standby` read, and what they may call here (no bastion: no tunnel).
    new RunbookOutputs(this, 'RunbookOutputs', { cluster: this.cluster, services });
    const operator = new OperatorPolicy(this, 'Operator', {
      name: standbyOperatorPolicyName(r),
      cluster: this.cluster,
      services: Object.values(services),
    });
    // The standby's own database (the replica, or the secondary cluster): `berth status --standby` shows its state,
    // what the runbook's promotion waits for.
    const kind = this.secondaryCluster ? 'cluster' : 'instance';
    const identifier = (this.secondaryCluster ?? this.replica)!.ref;
    const output = (key: string, value: string, description: string) =>
      new CfnOutput(this, key, { value, description }).overrideLogicalId(key);
    output(OUTPUT_KEYS.databaseIdentifier, identifier, "RDS identifier of the standby's database");
    output(OUTPUT_KEYS.databaseKind, kind, 'Aurora cluster or RDS instance');
    output(
      OUTPUT_KEYS.databaseEndpoint,
      promotedHost,
      "The standby database's endpoint (writable once promoted)",
    );
    operator.policy.addStatements(
      new iam.PolicyStatement({
        sid: 'Database',
        actions: [kind === 'cluster' ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances'],
        resources: [
          stack.formatArn({
            service: 'rds',
            resource: kind === 'cluster' ? 'cluster' : 'db',
            resourceName: identifier,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /** Built images from this region's replica of the primary registry; external images as configured. */
  private imageFor(service: ResolvedService, imageTag: string, app: string): ecs.ContainerImage {
    if (service.image.kind === 'external') {
      const { uri, credentialsSecret } = service.image;
      return ecs.ContainerImage.fromRegistry(
        uri,
        credentialsSecret
          ? {
              credentials: secretsmanager.Secret.fromSecretNameV2(
                this,
                `${pascal(service.name)}RegistryCredentials`,
                credentialsSecret,
              ),
            }
          : {},
      );
    }
    const repository = ecr.Repository.fromRepositoryName(
      this,
      `${pascal(service.name)}Repository`,
      repositoryName(app, service.name),
    );
    return ecs.ContainerImage.fromEcrRepository(repository, imageTag);
  }
}
