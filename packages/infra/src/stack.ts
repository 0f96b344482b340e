import type { Construct } from 'constructs';
import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { contractFor, type ResolvedApp } from '@berth/config';
import { Buckets } from './constructs/buckets';
import { Cache } from './constructs/cache';
import { Database } from './constructs/database';
import { Edge, pascal } from './constructs/edge';
import { Network } from './constructs/network';
import { Registry } from './constructs/registry';
import { Service } from './constructs/service';
import type { ContractStores } from './contract-sources';
import { removalPolicyFor, removalPolicyWithoutSnapshot } from './removal';

export interface BerthStackProps extends StackProps {
  readonly resolved: ResolvedApp;
  /** Default of the ImageTag parameter. @default 'latest' */
  readonly imageTag?: string;
}

/** The SES configuration set the Mail construct owns: one per app and stage. */
export function mailConfigurationSetName(resolved: ResolvedApp): string {
  return `${resolved.app}-${resolved.stage}`;
}

/** `${region}a`, `${region}b`…: explicit so synthesis never asks AWS which zones exist. */
export function availabilityZonesFor(region: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}

/**
 * One environment of one app. Reads like a table of contents: network, edge, stores, registry, services.
 * Every construct is exposed as a readonly field, the escape hatch for whatever Berth does not model.
 */
export class BerthStack extends Stack {
  readonly resolved: ResolvedApp;
  readonly network: Network;
  readonly edge: Edge;
  readonly cluster: ecs.Cluster;
  readonly registry: Registry;
  readonly database?: Database;
  readonly cache?: Cache;
  readonly buckets?: Buckets;
  readonly services: Readonly<Record<string, Service>>;

  constructor(scope: Construct, id: string, props: BerthStackProps) {
    super(scope, id, props);
    const r = props.resolved;
    this.resolved = r;
    const removal = removalPolicyFor(r.removal, r.profile, this.node.path);
    const removalNoSnapshot = removalPolicyWithoutSnapshot(r.removal, r.profile, this.node.path);

    this.network = new Network(this, 'Network', {
      network: r.network,
      availabilityZones: this.availabilityZones,
      logRetentionDays: r.logRetentionDays,
    });
    const { vpc } = this.network;

    this.edge = new Edge(this, 'Edge', {
      vpc,
      edge: r.edge,
      serviceOrder: Object.keys(r.services),
      deletionProtection: r.deletionProtection,
      logBucketRemoval: removalNoSnapshot,
    });

    if (r.database) {
      this.database = new Database(this, 'Database', {
        vpc,
        database: r.database,
        subnets: this.network.dataSubnets,
        rotationSubnets: { subnetGroupName: 'App' },
        removalPolicy: removal,
        deletionProtection: r.deletionProtection,
      });
    }
    if (r.cache) {
      this.cache = new Cache(this, 'Cache', {
        vpc,
        cache: r.cache,
        subnets: this.network.dataSubnets,
        name: `${r.app}-${r.stage}`,
        removalPolicy: removal,
      });
    }
    if (Object.keys(r.buckets).length) {
      this.buckets = new Buckets(this, 'Buckets', {
        buckets: r.buckets,
        removalPolicy: removalNoSnapshot,
        ...(this.edge.accessLogBucket ? { serverAccessLogsBucket: this.edge.accessLogBucket } : {}),
      });
    }

    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      default: props.imageTag ?? 'latest',
      description: 'Image tag every service runs; deploy and rollback change only this.',
    });
    this.registry = new Registry(this, 'Registry', {
      prefix: r.app,
      services: Object.values(r.services),
      imageTag: imageTag.valueAsString,
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2:
        r.profile === 'dev' ? ecs.ContainerInsights.DISABLED : ecs.ContainerInsights.ENABLED,
    });

    const stores: ContractStores = {
      ...(this.database ? { database: this.database } : {}),
      ...(this.cache ? { cache: this.cache } : {}),
      ...(this.buckets ? { buckets: this.buckets } : {}),
      ...(r.mail ? { mailConfigurationSet: mailConfigurationSetName(r) } : {}),
    };
    const services: Record<string, Service> = {};
    for (const s of Object.values(r.services)) {
      services[s.name] = new Service(this, `Service${pascal(s.name)}`, {
        cluster: this.cluster,
        service: s,
        contract: contractFor(r, s.name),
        image: this.registry.imageFor(s),
        subnets: this.network.appSubnets,
        assignPublicIp: this.network.publicTasks,
        stores,
        edge: this.edge,
        logRetentionDays: r.logRetentionDays,
        ...(r.mail ? { mailDomain: r.mail.domain } : {}),
        family: `${r.app}-${r.stage}-${s.name}`,
      });
    }
    this.services = services;

    new CfnOutput(this, 'LoadBalancerDns', { value: this.edge.loadBalancer.loadBalancerDnsName });
  }

  /** Deterministic zones from the region: no context lookup, same template on every machine. */
  override get availabilityZones(): string[] {
    return availabilityZonesFor(this.region, this.resolved?.network.azs ?? 3);
  }
}
