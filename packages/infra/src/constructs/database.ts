import { Construct } from 'constructs';
import { type CfnResource, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { ResolvedDatabase } from '@berthjs/config';

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly database: ResolvedDatabase;
  /** Isolated subnets for the database. */
  readonly subnets: ec2.SubnetSelection;
  /** Subnets the rotation function runs in (needs a way to Secrets Manager). */
  readonly rotationSubnets: ec2.SubnetSelection;
  /** RETAIN or SNAPSHOT in prod; never DESTROY there (the stack asserts it). */
  readonly removalPolicy: RemovalPolicy;
  /** @default false */
  readonly deletionProtection?: boolean;
}

/** Given literally so security group rules show the port instead of a token. */
export const PORT = 5432;
/** The master user of the generated secret: what PGUSER names. */
export const DATABASE_USERNAME = 'berth';

/** Logical IDs that must never change: changing one replaces the database. A test pins them. */
export const DATABASE_LOGICAL_IDS = Object.freeze({
  cluster: 'DatabaseCluster',
  instance: 'DatabaseInstance',
  replica: 'DatabaseReadReplica',
  secret: 'DatabaseSecret',
});

/**
 * PostgreSQL: Aurora Serverless v2 (0–256 ACU, auto-pause at 0) or an RDS instance, in isolated subnets, encrypted,
 * with a generated secret rotated by a hosted single-user rotation, automated backups, deletion protection,
 * Performance Insights where the class supports it and the postgresql log exported to CloudWatch.
 *
 * Cost: Aurora Serverless v2 ~$0.12 per ACU-hour (0.5 ACU ≈ $44/month; 0 when paused) + $0.10/GB-month;
 * db.t3.micro ~$13/month (×2 Multi-AZ) + $0.115/GB-month gp2; rotation Lambda pennies.
 */
export class Database extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly secret: secretsmanager.ISecret;
  /** The hosted rotation function (its security group), when the password rotates. */
  rotation?: ec2.IConnectable;
  /** The generated secret itself (`secret` is its attachment to the database). */
  readonly generatedSecret?: secretsmanager.Secret;
  /** Host of the reader endpoint or read replica, when there is one. */
  readonly readHost?: string;
  /** Host of the writer endpoint (PGHOST). */
  readonly host: string;
  readonly port = PORT;
  /** The master user: Berth's, or the restored snapshot's (a restore cannot change it). */
  readonly username: string;
  readonly dbname: string;
  readonly cluster?: rds.DatabaseCluster | rds.DatabaseClusterFromSnapshot;
  readonly instance?: rds.DatabaseInstance | rds.DatabaseInstanceFromSnapshot;
  /** The RDS read replica, when there is one. */
  readonly replica?: rds.DatabaseInstanceReadReplica;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { database: db, vpc } = props;
    // Without this flag a cluster restored from a snapshot also renders a deprecated 'Secret' (user 'postgres') that
    // the restore never applies: a second, wrong secret. Set before any child exists.
    if (db.snapshot) this.node.setContext(cxapi.RDS_PREVENT_RENDERING_DEPRECATED_CREDENTIALS, true);
    this.dbname = db.name;
    this.username = db.snapshot?.username ?? DATABASE_USERNAME;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Database: only from services',
      allowAllOutbound: false,
    });
    const excludeCharacters = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';
    const credentials = rds.Credentials.fromGeneratedSecret(DATABASE_USERNAME, { excludeCharacters });
    // A restore keeps the snapshot's master user and ignores MasterUsername: the secret is generated for that user
    // and its password set on the restored database (MasterUserPassword), so the secret and rotation hold.
    const restore = db.snapshot && {
      snapshotIdentifier: db.snapshot.identifier,
      snapshotCredentials: rds.SnapshotCredentials.fromGeneratedSecret(db.snapshot.username, {
        excludeCharacters,
      }),
      ...(db.snapshot.kmsKey
        ? { storageEncryptionKey: kms.Key.fromKeyArn(this, 'SnapshotKey', db.snapshot.kmsKey) }
        : {}),
    };
    const major = db.version.split('.')[0]!;
    // database.parameters: Berth's own parameter group (Aurora: the cluster's; RDS: the instance's and its replica's),
    // of the version's family (a major upgrade replaces it with the new family's); none keeps the engine's default.
    // It keeps the default's TLS requirement (rds.force_ssl is 1 in the defaults from PostgreSQL 15; Control Tower's
    // CT.RDS.PR.28) unless the config sets it.
    const parameters = { 'rds.force_ssl': '1', ...db.parameters };

    if (db.engine === 'aurora-serverless-v2') {
      // A major upgrade needs no flag here: AWS::RDS::DBCluster has no AllowMajorVersionUpgrade, its handler sends
      // it with every EngineVersion change (aws-cloudformation-resource-providers-rds, dbcluster Translator
      // modifyDbClusterRequest). It does need the default parameter groups: the cluster's is the new major's
      // default, and the instances name none. A global cluster (pilot light) is upgraded through the global cluster,
      // which Berth's template does not do: see docs/infra.md.
      const reader = db.multiAz || db.readReplica;
      const clusterProps = {
        engine: rds.DatabaseClusterEngine.auroraPostgres({
          version: rds.AuroraPostgresEngineVersion.of(db.version, major),
        }),
        credentials,
        defaultDatabaseName: db.name,
        vpc,
        vpcSubnets: props.subnets,
        securityGroups: [securityGroup],
        port: PORT,
        writer: rds.ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: true }),
        readers: reader
          ? [
              rds.ClusterInstance.serverlessV2('Reader', {
                scaleWithWriter: true,
                enablePerformanceInsights: true,
              }),
            ]
          : [],
        serverlessV2MinCapacity: db.minAcu,
        serverlessV2MaxCapacity: db.maxAcu,
        ...(db.minAcu === 0 && db.autoPause !== false
          ? { serverlessV2AutoPauseDuration: Duration.minutes(db.autoPause) }
          : {}),
        storageEncrypted: true,
        backup: { retention: Duration.days(db.backupRetention) },
        deletionProtection: props.deletionProtection ?? false,
        removalPolicy: props.removalPolicy,
        iamAuthentication: false,
        cloudwatchLogsExports: ['postgresql'],
        copyTagsToSnapshot: true,
        ...(Object.keys(db.parameters).length ? { parameters } : {}),
      };
      if (restore) {
        const { credentials: _generated, defaultDatabaseName: _name, ...fromSnapshot } = clusterProps;
        this.cluster = new rds.DatabaseClusterFromSnapshot(this, 'Cluster', {
          ...fromSnapshot,
          snapshotIdentifier: restore.snapshotIdentifier,
          snapshotCredentials: restore.snapshotCredentials,
          ...(restore.storageEncryptionKey ? { storageEncryptionKey: restore.storageEncryptionKey } : {}),
        });
      } else this.cluster = new rds.DatabaseCluster(this, 'Cluster', clusterProps);
      (this.cluster.node.defaultChild as rds.CfnDBCluster).overrideLogicalId(DATABASE_LOGICAL_IDS.cluster);
      this.secret = this.cluster.secret!;
      this.host = this.cluster.clusterEndpoint.hostname;
      if (reader) this.readHost = this.cluster.clusterReadEndpoint.hostname;
    } else {
      const instanceType = new ec2.InstanceType(db.instanceClass.replace(/^db\./, ''));
      const engine = rds.DatabaseInstanceEngine.postgres({
        version: rds.PostgresEngineVersion.of(db.version, major),
      });
      // One group for the primary and its replica: a replica takes a group, not parameters (CDK's ReadReplicaProps).
      const parameterGroup = Object.keys(db.parameters).length
        ? {
            parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
              engine,
              description: `${db.name}: database.parameters`,
              parameters,
            }),
          }
        : {};
      const instanceProps = {
        engine,
        instanceType,
        credentials,
        databaseName: db.name,
        vpc,
        vpcSubnets: props.subnets,
        securityGroups: [securityGroup],
        port: PORT,
        multiAz: db.multiAz,
        allocatedStorage: db.storage.allocated,
        maxAllocatedStorage: db.storage.max,
        storageType: rds.StorageType.GP3,
        storageEncrypted: true,
        backupRetention: Duration.days(db.backupRetention),
        deletionProtection: props.deletionProtection ?? false,
        removalPolicy: props.removalPolicy,
        iamAuthentication: false,
        cloudwatchLogsExports: ['postgresql', 'upgrade'],
        enablePerformanceInsights: supportsPerformanceInsights(db.instanceClass),
        publiclyAccessible: false,
        copyTagsToSnapshot: true,
        // A config moving `version` to another major (16.x → 17.x) changes EngineVersion, and RDS refuses that
        // ModifyDBInstance unless major upgrades are allowed: set always, because the template cannot know the
        // deployed major, and harmless otherwise (it permits only the EngineVersion the template names; automatic
        // minor upgrades never cross a major). In-region read replicas are upgraded with their source.
        // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html (AllowMajorVersionUpgrade)
        allowMajorVersionUpgrade: true,
        ...parameterGroup,
      };
      if (restore) {
        // An instance restore inherits encryption and its key from the snapshot (KmsKeyId is not sent).
        const {
          credentials: _generated,
          databaseName: _name,
          storageEncrypted: _e,
          ...fromSnapshot
        } = instanceProps;
        this.instance = new rds.DatabaseInstanceFromSnapshot(this, 'Instance', {
          ...fromSnapshot,
          snapshotIdentifier: restore.snapshotIdentifier,
          credentials: restore.snapshotCredentials,
        });
      } else this.instance = new rds.DatabaseInstance(this, 'Instance', instanceProps);
      (this.instance.node.defaultChild as rds.CfnDBInstance).overrideLogicalId(DATABASE_LOGICAL_IDS.instance);
      this.secret = this.instance.secret!;
      this.host = this.instance.dbInstanceEndpointAddress;
      if (db.readReplica) {
        const replica = new rds.DatabaseInstanceReadReplica(this, 'ReadReplica', {
          sourceDatabaseInstance: this.instance,
          instanceType,
          vpc,
          vpcSubnets: props.subnets,
          securityGroups: [securityGroup],
          // Encryption is inherited from the source: RDS rejects StorageEncrypted beside SourceDBInstanceIdentifier
          // (cfn-lint E3020). Storage matches the primary's, so a promoted replica performs and grows as it did.
          storageType: rds.StorageType.GP3,
          maxAllocatedStorage: db.storage.max,
          deletionProtection: props.deletionProtection ?? false,
          removalPolicy: props.removalPolicy,
          enablePerformanceInsights: supportsPerformanceInsights(db.instanceClass),
          publiclyAccessible: false,
          cloudwatchLogsExports: ['postgresql', 'upgrade'],
          ...parameterGroup,
        });
        (replica.node.defaultChild as rds.CfnDBInstance).overrideLogicalId(DATABASE_LOGICAL_IDS.replica);
        this.replica = replica;
        this.readHost = replica.dbInstanceEndpointAddress;
      }
    }
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(PORT),
    });
    // The resolve-time note rides on the resource, so the template and `berth diff` say what a change of it does.
    if (db.snapshot)
      ((this.cluster ?? this.instance)!.node.defaultChild as CfnResource).addMetadata(
        'BerthSnapshot',
        db.snapshot.note,
      );
    // The secret itself (not its attachment) is stateful: pin the CfnSecret under the cluster or instance.
    const owner = this.cluster ?? this.instance!;
    const generated = owner.node.tryFindChild('Secret') ?? owner.node.tryFindChild('SnapshotSecret');
    if (generated instanceof secretsmanager.Secret) this.generatedSecret = generated;
    const secretResource = generated?.node.defaultChild as secretsmanager.CfnSecret | undefined;
    secretResource?.overrideLogicalId(DATABASE_LOGICAL_IDS.secret);

    if (db.rotation !== false) {
      const hostedRotation = secretsmanager.HostedRotation.postgreSqlSingleUser({
        vpc,
        vpcSubnets: props.rotationSubnets,
      });
      this.secret.addRotationSchedule('Rotation', {
        hostedRotation,
        automaticallyAfter: Duration.days(db.rotation),
      });
      this.connections.allowDefaultPortFrom(hostedRotation, 'Password rotation');
      this.rotation = hostedRotation;
    }
  }

  /** Admits a peer (a service, a bastion) on the database port. */
  allowFrom(peer: ec2.IConnectable, description = 'From a Berth service'): void {
    this.connections.allowDefaultPortFrom(peer, description);
  }
}

/** Performance Insights is not offered on the smallest burstable classes. */
function supportsPerformanceInsights(instanceClass: string): boolean {
  return !/\.(micro|small)$/.test(instanceClass);
}
