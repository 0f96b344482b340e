import { Construct } from 'constructs';
import { Fn, SecretValue, type RemovalPolicy } from 'aws-cdk-lib';
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
  connection: 'CacheConnection',
});

const PORT = 6379;

/**
 * ElastiCache Redis or Valkey as a replication group: automatic failover and Multi-AZ with more than one node,
 * encryption at rest, and with tls in-transit encryption plus an AUTH token generated into Secrets Manager.
 *
 * With the token, services get a complete URL any client uses as is (`redis.Redis.from_url(os.environ["CACHE_URL"])`):
 * the `CacheConnection` secret holds `{"token": "<token>", "url": "rediss://:<token>@<primary>:6379"}`, written from
 * the token secret when the stack is deployed, and ECS injects its `url` key as CACHE_URL and its `token` key as
 * CACHE_AUTH_TOKEN, so one task reads both from one version of one secret. ElastiCache's AUTH token authenticates the
 * default user (`AUTH <token>`), which is what an empty user name in the URL sends. The generated token is letters and
 * digits, so it stands in the URL as is; a token set by hand or by a rotation must be percent-encoded in `url`
 * (`cacheConnectionValue` writes both keys). See docs/infra.md, "cache URL", for the rotation order.
 *
 * Cost: cache.t3.micro ~$12/month per node, cache.t3.medium ~$50/month per node; the AUTH and connection secrets
 * $0.40/month each.
 */
export class Cache extends Construct implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** `redis://host:6379` or `rediss://host:6379`: no credentials in it. */
  readonly url: string;
  /** The AUTH token secret, with tls: what ElastiCache is created with. */
  readonly authToken?: secretsmanager.Secret;
  /** With tls: `{ token, url }`, the URL with the token in it; what tasks receive (CACHE_URL, CACHE_AUTH_TOKEN). */
  readonly connection?: secretsmanager.Secret;

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
    // cache.parameters: Berth's own cache parameter group of the engine's family; none keeps the default group.
    let parameterGroup: elasticache.CfnParameterGroup | undefined;
    if (Object.keys(cache.parameters).length) {
      parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
        cacheParameterGroupFamily: cacheParameterGroupFamily(cache.engine, cache.version),
        description: `${props.name} ${cache.engine} parameters`,
        properties: { ...cache.parameters },
      });
    }
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
      ...(parameterGroup ? { cacheParameterGroupName: parameterGroup.ref } : {}),
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
    if (this.authToken) {
      // CloudFormation resolves the `{{resolve:secretsmanager:…}}` references after joining, at deploy time: the token
      // is never in the template. The JSON needs no escaping: the generated token has no punctuation.
      const token = this.authToken.secretValue;
      this.connection = new secretsmanager.Secret(this, 'Connection', {
        description: `${props.name} cache connection: { token, url } with the AUTH token in the URL`,
        secretObjectValue: {
          token,
          url: SecretValue.unsafePlainText(
            Fn.join('', [
              'rediss://:',
              token.unsafeUnwrap(),
              '@',
              this.replicationGroup.attrPrimaryEndPointAddress,
              ':',
              String(PORT),
            ]),
          ),
        },
        removalPolicy: props.removalPolicy,
      });
      (this.connection.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId(
        CACHE_LOGICAL_IDS.connection,
      );
    }
  }

  /** Admits a peer (a service, a bastion) on the cache port. */
  allowFrom(peer: ec2.IConnectable, description = 'From a Berth service'): void {
    this.connections.allowDefaultPortFrom(peer, description);
  }
}

/**
 * The `CacheConnection` secret's value for a token: what a rotation writes (one PutSecretValue, both keys), so CACHE_URL
 * and CACHE_AUTH_TOKEN never disagree. The token is percent-encoded in the URL (ElastiCache allows `!&#$^<>-`).
 */
export function cacheConnectionValue(token: string, host: string, port = PORT): string {
  return JSON.stringify({ token, url: `rediss://:${encodeURIComponent(token)}@${host}:${port}` });
}

/**
 * The parameter group family of an engine version, as ElastiCache names them (CreateCacheParameterGroup's
 * CacheParameterGroupFamily: redis6.x, redis7, valkey7, valkey8 …):
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html
 */
export function cacheParameterGroupFamily(engine: ResolvedCache['engine'], version: string): string {
  const major = Number(version.split('.')[0]);
  if (engine === 'redis' && major <= 6) return major === 6 ? 'redis6.x' : `redis${version}`;
  return `${engine}${major}`;
}
