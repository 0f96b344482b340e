import type { Construct } from 'constructs';
import { CfnOutput, CfnParameter, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  contractFor,
  deployerRoleName,
  mailConfigurationSetName,
  mailEventsQueueName,
  pascal,
  prefixOf,
  repositoryPrefix,
  routeOrder,
  serviceFamily,
  stackName,
  type ResolvedApp,
} from '@berthjs/config';
import { Bastion } from './constructs/bastion';
import { Buckets } from './constructs/buckets';
import { Cache } from './constructs/cache';
import { Ec2Capacity } from './constructs/capacity';
import { Database } from './constructs/database';
import { Deployer } from './constructs/deployer';
import { Edge } from './constructs/edge';
import { Jobs } from './constructs/jobs';
import { Mail } from './constructs/mail';
import { addIntegrations } from './constructs/integrations';
import { Network, ssmReachable } from './constructs/network';
import { Observability } from './constructs/observability';
import { RunbookOutputs } from './constructs/outputs';
import { OperatorPolicy } from './constructs/operator';
import { operatorPolicyName } from './iam/operator-calls';
import { PilotLight, PilotLightStandby } from './constructs/pilot-light';
import { Registry, promotedAccounts, promotionSource } from './constructs/registry';
import { Service } from './constructs/service';
import { Waf, clientIpHeaderFor } from './constructs/waf';
import { carriedAcrossRegions } from './constructs/cross-region';
import type { ContractStores } from './contract-sources';
import { removalPolicyFor, removalPolicyWithoutSnapshot } from './removal';
import { execSessionLogging } from './constructs/exec';
import { generatedSecretsOf } from './constructs/secrets';

export interface BerthStackProps extends StackProps {
  readonly resolved: ResolvedApp;
  /** Default of the ImageTag parameter. @default 'latest' */
  readonly imageTag?: string;
  /** CloudFront's viewer certificate (us-east-1), from the stage's certificate stack. @default - none */
  readonly cdnCertificate?: acm.ICertificate;
  /** ARN of the CLOUDFRONT-scope web ACL (us-east-1), from the stage's certificate stack. @default - none */
  readonly cdnWebAclArn?: string;
}

// Physical names live in @berthjs/config (names.ts); re-exported here, where they were first defined.
export { deployerRoleName, mailConfigurationSetName, mailEventsQueueName } from '@berthjs/config';

/**
 * The first `count` zones the region offers this account, chosen by CloudFormation at deploy time (`Fn::GetAZs`)
 * rather than written as `${region}a`…: zone names map to different physical zones in each account, and a region
 * may not offer `c` to every account. Synthesis still asks AWS nothing.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getavailabilityzones.html
 */
export function availabilityZonesFor(count: number): string[] {
  return Array.from({ length: count }, (_, i) => Fn.select(i, Fn.getAzs()));
}

/** Whether this environment needs a us-east-1 certificate stack for CloudFront. */
export function needsCdnCertificateStack(resolved: ResolvedApp): boolean {
  return resolved.edge.cdn && !!resolved.edge.domain && resolved.region !== 'us-east-1';
}

/**
 * One environment of one app. Reads like a table of contents: network, edge, stores, registry, services, jobs,
 * mail, bastion, observability, deployer, pilot light. Every construct is exposed as a readonly field, the escape
 * hatch for whatever Berth does not model.
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
  readonly mail?: Mail;
  readonly ec2Capacity?: Ec2Capacity;
  readonly services: Readonly<Record<string, Service>>;
  readonly jobs?: Jobs;
  readonly bastion?: Bastion;
  readonly observability: Observability;
  /** AWS WAF on the ALB, or on CloudFront when the stack is in us-east-1 (else it lives in the certificate stack). */
  readonly waf?: Waf;
  readonly deployer?: Deployer;
  /** The primary half of the pilot light (global cluster, secret replica); the standby stack holds the rest. */
  readonly pilotLight?: PilotLight;

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

    const defaultService = r.services[r.defaultService];
    this.edge = new Edge(this, 'Edge', {
      vpc,
      edge: r.edge,
      routes: routeOrder(r),
      deletionProtection: r.deletionProtection,
      logBucketRemoval: removalNoSnapshot,
      hosts: Object.values(r.services).flatMap((s) => s.hosts),
      ...(props.cdnCertificate ? { cdnCertificate: props.cdnCertificate } : {}),
      ...(r.standby
        ? { failover: 'PRIMARY' as const, healthCheckPath: defaultService?.healthPath ?? '/health' }
        : {}),
    });

    this.waf = this.protectEntrance(r, props.cdnWebAclArn);

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
    // The rotation function runs in the App subnets; without NAT it reaches Secrets Manager only through its endpoint.
    if (r.database && r.database.rotation !== false && r.network.nat === 'none')
      this.network.ensureEndpoint('secretsmanager');
    if (r.cache) {
      this.cache = new Cache(this, 'Cache', {
        vpc,
        cache: r.cache,
        subnets: this.network.dataSubnets,
        name: prefixOf(r),
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
    if (r.mail) {
      this.mail = new Mail(this, 'Mail', {
        mail: r.mail,
        configurationSetName: mailConfigurationSetName(r),
        eventsQueueName: mailEventsQueueName(r),
        ...(this.edge.zone ? { zone: this.edge.zone } : {}),
      });
    }
    addIntegrations(this, r, this.mail, removalNoSnapshot);

    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      default: props.imageTag ?? 'latest',
      description: 'Image tag every service runs; deploy and rollback change only this.',
    });
    this.registry = new Registry(this, 'Registry', {
      prefix: repositoryPrefix(r.app),
      services: Object.values(r.services),
      imageTag: imageTag.valueAsString,
      mode: r.registry,
      replicateTo: [
        ...r.promotesTo.map((p) => ({ region: p.region, ...(p.account ? { account: p.account } : {}) })),
        ...(r.standby ? [{ region: r.standby.region }] : []),
      ],
      ...(r.imagesFrom?.account && r.imagesFrom.account !== r.account
        ? { acceptReplicationFrom: r.imagesFrom.account }
        : {}),
      pullableBy: promotedAccounts(r),
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2:
        r.profile === 'dev' ? ecs.ContainerInsights.DISABLED : ecs.ContainerInsights.ENABLED,
    });
    if (r.ec2) {
      const arches = new Set(
        Object.values(r.services)
          .filter((s) => s.capacity === 'ec2')
          .map((s) => s.arch),
      );
      this.ec2Capacity = new Ec2Capacity(this, 'Ec2Capacity', {
        cluster: this.cluster,
        capacity: r.ec2,
        subnets: this.network.appSubnets,
        associatePublicIp: this.network.publicTasks,
        arch: arches.has('arm64') ? 'arm64' : 'x86_64',
      });
    }

    const generatedSecrets = generatedSecretsOf(this, r, removalNoSnapshot);
    const stores: ContractStores = {
      ...(generatedSecrets ? { generatedSecrets } : {}),
      ...(this.database ? { database: this.database } : {}),
      ...(this.cache ? { cache: this.cache } : {}),
      ...(this.buckets ? { buckets: this.buckets } : {}),
      ...(r.mail ? { mailConfigurationSet: mailConfigurationSetName(r) } : {}),
      ...(this.mail ? { mailEventsQueueUrl: this.mail.eventsQueue.queueUrl } : {}),
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
        ...(this.mail ? { mail: this.mail } : {}),
        ...(this.ec2Capacity ? { ec2Capacity: this.ec2Capacity } : {}),
        family: serviceFamily(r, s.name),
      });
      if (this.mail && s.uses.mail) this.mail.grantDrain(services[s.name]!.taskRole);
    }
    this.services = services;
    execSessionLogging(this.cluster, r, services, removalNoSnapshot);

    const jobs = Object.values(r.jobs);
    if (jobs.length) {
      this.jobs = new Jobs(this, 'Jobs', {
        cluster: this.cluster,
        jobs,
        services,
        subnets: this.network.appSubnets,
        assignPublicIp: this.network.publicTasks,
        names: r,
      });
    }

    if (r.bastion) {
      this.bastion = new Bastion(this, 'Bastion', {
        vpc,
        bastion: r.bastion,
        privateSubnets: { subnetGroupName: 'App' },
        privateEgress: ssmReachable(r.network),
      });
      this.database?.allowFrom(this.bastion, 'From the bastion');
      this.cache?.allowFrom(this.bastion, 'From the bastion');
    }
    this.network.admitAll(services, this.ec2Capacity, this.bastion, this.database);

    new RunbookOutputs(this, 'RunbookOutputs', {
      cluster: this.cluster,
      services,
      ...(this.jobs ? { jobs: this.jobs } : {}),
      ...(this.bastion ? { bastion: this.bastion } : {}),
      ...(this.database ? { database: this.database } : {}),
      ...(this.cache ? { cache: this.cache } : {}),
    });

    new OperatorPolicy(this, 'Operator', {
      name: operatorPolicyName(r),
      cluster: this.cluster,
      services: Object.values(services),
      ...(this.bastion ? { bastion: this.bastion } : {}),
      ...(this.database ? { database: this.database } : {}),
      ...(this.cache ? { cache: this.cache } : {}),
    });

    this.observability = new Observability(this, 'Observability', {
      name: prefixOf(r),
      cluster: this.cluster,
      services: Object.values(services),
      loadBalancer: this.edge.loadBalancer,
      ...(this.database && r.database ? { database: { construct: this.database, config: r.database } } : {}),
      ...(this.cache && r.cache ? { cache: { construct: this.cache, nodes: r.cache.nodes } } : {}),
      ...(this.jobs ? { jobs: this.jobs } : {}),
      alarms: r.alarms,
      sendsMail: !!r.mail,
      containerInsights: r.profile !== 'dev',
      ...(this.waf && !r.edge.cdn ? { waf: { webAclName: this.waf.name, region: this.region } } : {}),
    });

    if (r.github) {
      const taskDefinitions = [
        ...Object.values(services).map((s) => s.taskDefinition),
        ...(this.jobs?.taskDefinitions ?? []),
      ];
      this.deployer = new Deployer(this, 'Deployer', {
        repository: r.github.repository,
        branch: r.branch,
        // The workflow `berth init` writes runs its deploy job in the GitHub environment named after the stage.
        environment: r.stage,
        roleName: deployerRoleName(r),
        oidcProvider: r.github.oidcProvider,
        ...(r.github.oidcProviderArn ? { oidcProviderArn: r.github.oidcProviderArn } : {}),
        repositories: Object.values(this.registry.repositories),
        // Promoted environments receive images by replication: their deployer pushes nothing.
        pushes: !r.imagesFrom,
        ...(promotionSource(r) ? { promotesFrom: promotionSource(r)! } : {}),
        ...(r.standby ? { standby: { region: r.standby.region, stackName: stackName(r, 'standby') } } : {}),
        cluster: this.cluster,
        services: Object.values(services).map((s) => s.ecsService),
        taskDefinitions: [...new Set(taskDefinitions)],
        logGroups: Object.values(services).map((s) => s.logGroup),
        secretNames: Object.values(r.services).flatMap((s) =>
          Object.values(s.secrets).map((x) => x.secretName),
        ),
        cdkRegions: [
          ...new Set([
            r.region,
            ...(r.standby ? [r.standby.region] : []),
            ...(needsCdnCertificateStack(r) ? ['us-east-1'] : []),
          ]),
        ],
      });
      new CfnOutput(this, 'DeployerRoleArn', { value: this.deployer.role.roleArn });
    }

    if (r.standby && this.database) {
      this.pilotLight = new PilotLight(this, 'PilotLight', {
        resolved: r,
        database: this.database,
        network: this.network,
      });
    }

    new CfnOutput(this, 'LoadBalancerDns', { value: this.edge.loadBalancer.loadBalancerDnsName });
  }

  /**
   * edge.waf: a REGIONAL web ACL on the ALB; with cdn, a CLOUDFRONT one on the distribution (created here in
   * us-east-1, else passed in from the certificate stack) and, on the ALB too, a REGIONAL one with the managed rule
   * groups and no rate rule. The ALB admits CloudFront's managed prefix list, which is every distribution, not only
   * this one: without its own ACL, a distribution someone else points at the ALB would reach it uninspected.
   */
  private protectEntrance(r: ResolvedApp, cdnWebAclArn: string | undefined): Waf | undefined {
    if (!r.edge.waf) return undefined;
    const options = { waf: r.edge.waf, name: `${r.app}-${r.stage}`, logRetentionDays: r.logRetentionDays };
    if (!r.edge.cdn) {
      const clientIpHeader = clientIpHeaderFor(r.edge.ingress);
      const waf = new Waf(this, 'Waf', {
        ...options,
        scope: 'REGIONAL',
        ...(clientIpHeader ? { clientIpHeader } : {}),
      });
      waf.associate('LoadBalancer', this.edge.loadBalancer.loadBalancerArn);
      return waf;
    }
    const alb = new Waf(this, 'AlbWaf', {
      ...options,
      name: `${r.app}-${r.stage}-alb`,
      scope: 'REGIONAL',
      rateLimit: false,
    });
    alb.associate('LoadBalancer', this.edge.loadBalancer.loadBalancerArn);
    if (cdnWebAclArn) {
      this.edge.distribution!.attachWebAclId(cdnWebAclArn);
      return undefined;
    }
    if (this.region !== 'us-east-1')
      throw new Error(
        `${this.node.path}: a CloudFront web ACL lives in us-east-1; pass cdnWebAclArn from the certificate stack`,
      );
    const waf = new Waf(this, 'Waf', { ...options, scope: 'CLOUDFRONT' });
    this.edge.distribution!.attachWebAclId(waf.webAcl.attrArn);
    return waf;
  }

  /** Zones chosen at deploy time: no context lookup, same template on every machine. */
  override get availabilityZones(): string[] {
    return availabilityZonesFor(this.resolved?.network.azs ?? 3);
  }
}

export interface CdnCertificateStackProps extends StackProps {
  readonly resolved: ResolvedApp;
}

/**
 * CloudFront only accepts certificates from us-east-1: this small stack in the same Stage holds one for the domain
 * and its subdomains, DNS-validated in the Route 53 zone (or through records you publish with dns 'external'). The
 * app's stack reads its ARN through a CDK cross-region reference (an SSM parameter written at deploy time), so
 * synthesis stays offline.
 */
export class CdnCertificateStack extends Stack {
  readonly certificate: acm.Certificate;
  /** The certificate as the app stack's distribution reads it: under a key that changes with the domain. */
  readonly distributionCertificate: acm.ICertificate;
  readonly resolved: ResolvedApp;
  /** The distribution's web ACL (CLOUDFRONT scope must be created in us-east-1), with edge.waf. */
  readonly waf?: Waf;

  constructor(scope: Construct, id: string, props: CdnCertificateStackProps) {
    super(scope, id, props);
    const { edge } = props.resolved;
    this.resolved = props.resolved;
    if (!edge.domain) throw new Error(`${this.node.path}: a CloudFront certificate needs edge.domain`);
    const zone =
      edge.dns === 'route53' && edge.hostedZoneId
        ? route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', {
            hostedZoneId: edge.hostedZoneId,
            zoneName: edge.domain,
          })
        : undefined;
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: edge.domain,
      subjectAlternativeNames: [`*.${edge.domain}`],
      validation: acm.CertificateValidation.fromDns(zone),
    });
    const identity = [edge.domain, `*.${edge.domain}`];
    const arn = carriedAcrossRegions(this, 'CertificateArn', this.certificate.certificateArn, identity);
    this.distributionCertificate = acm.Certificate.fromCertificateArn(this, 'DistributionCertificate', arn);
    const r = props.resolved;
    if (r.edge.waf) {
      this.waf = new Waf(this, 'Waf', {
        waf: r.edge.waf,
        scope: 'CLOUDFRONT',
        name: `${r.app}-${r.stage}-cdn`,
        logRetentionDays: r.logRetentionDays,
      });
    }
  }
}

export interface StandbyStackProps extends StackProps {
  readonly resolved: ResolvedApp;
  /** The primary stack: its database and pilot light are read through cross-region references. */
  readonly primary: BerthStack;
  /** Default of the ImageTag parameter. @default 'latest' */
  readonly imageTag?: string;
}

/** The pilot-light standby of one environment, in `standby.region`, in the same Stage as the app's stack. */
export class StandbyStack extends Stack {
  readonly resolved: ResolvedApp;
  readonly standby: PilotLightStandby;
  readonly waf?: Waf;

  constructor(scope: Construct, id: string, props: StandbyStackProps) {
    super(scope, id, props);
    const r = props.resolved;
    this.resolved = r;
    const { database, pilotLight } = props.primary;
    if (!database || !pilotLight)
      throw new Error(`${this.node.path}: the primary stack has no database or pilot light to stand by for`);
    // Only services Berth builds run a tagged image; with external images alone the parameter would be unused
    // (cfn-lint W2001). Deploys set ImageTag only on stacks that declare it.
    const builds = Object.values(r.services).some((s) => s.image.kind === 'build');
    const imageTag = builds
      ? new CfnParameter(this, 'ImageTag', {
          type: 'String',
          default: props.imageTag ?? 'latest',
          description: "Image tag the standby's services run; keep it equal to the primary's.",
        }).valueAsString
      : (props.imageTag ?? 'latest');
    this.standby = new PilotLightStandby(this, 'Standby', {
      resolved: r,
      primaryDatabase: database,
      primary: pilotLight,
      imageTag,
      removalPolicy: removalPolicyFor(r.removal, r.profile, this.node.path),
    });
    // The standby's ALB is as public as the primary's once DNS fails over: the same rules in front of it.
    if (r.edge.waf) {
      this.waf = new Waf(this, 'Waf', {
        waf: r.edge.waf,
        scope: 'REGIONAL',
        name: `${r.app}-${r.stage}-standby`,
        ...(clientIpHeaderFor(r.edge.ingress) ? { clientIpHeader: clientIpHeaderFor(r.edge.ingress)! } : {}),
        logRetentionDays: r.logRetentionDays,
      });
      this.waf.associate('LoadBalancer', this.standby.edge.loadBalancer.loadBalancerArn);
    }
    new CfnOutput(this, 'LoadBalancerDns', { value: this.standby.edge.loadBalancer.loadBalancerDnsName });
  }

  override get availabilityZones(): string[] {
    return availabilityZonesFor(this.resolved?.network.azs ?? 3);
  }
}
