import { Construct } from 'constructs';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { ResolvedEdge, ResolvedService } from '@berth/config';
import { CLOUDFLARE_IPV4 } from '../data/cloudflare';
import { CLOUDFRONT_PREFIX_LIST_NAME, CLOUDFRONT_PREFIX_LISTS } from '../data/cloudfront';

export interface EdgeProps {
  readonly vpc: ec2.IVpc;
  readonly edge: ResolvedEdge;
  /** Service names in config order: listener rule priorities derive from it, so they never depend on call order. */
  readonly serviceOrder: readonly string[];
  /** Deletion protection on the load balancer. @default false */
  readonly deletionProtection?: boolean;
  /** What deleting the stack does to the access-log bucket. @default RemovalPolicy.RETAIN */
  readonly logBucketRemoval?: RemovalPolicy;
}

/** ALB rule limits: at most 5 condition values per rule. */
const MAX_CONDITION_VALUES = 5;
/** Gap between two services' priorities, leaving room for hand-added rules. */
const PRIORITY_STEP = 10;

/**
 * The public entrance: an Application Load Balancer in the public subnets, an HTTPS listener with a DNS-validated ACM
 * certificate and an HTTP→HTTPS redirect (or HTTP only), host/path rules with priorities derived from the service
 * order, the ingress security group, optional access logs and Route 53 alias records.
 *
 * Cost: ALB ~$16.4/month + ~$5.8 per LCU-month; access logs at S3 prices; ACM certificates are free.
 */
export class Edge extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  /** The listener services attach to (HTTPS when https, else HTTP). */
  readonly listener: elbv2.ApplicationListener;
  readonly certificate?: acm.ICertificate;
  readonly accessLogBucket?: s3.Bucket;
  readonly zone?: route53.IHostedZone;
  private readonly props: EdgeProps;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    this.props = props;
    const { edge, vpc } = props;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Load balancer: ${describeIngress(edge.ingress)}`,
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      deletionProtection: props.deletionProtection ?? false,
      dropInvalidHeaderFields: true,
    });
    this.allowIngress();

    if (edge.accessLogs) {
      this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(90) }],
        removalPolicy: props.logBucketRemoval ?? RemovalPolicy.RETAIN,
      });
      this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');
    }

    if (edge.domain && edge.dns === 'route53' && edge.hostedZoneId) {
      this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: edge.hostedZoneId,
        zoneName: edge.domain,
      });
    }

    if (edge.https) {
      this.certificate = this.createCertificate();
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [this.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(404, {
          contentType: 'text/plain',
          messageBody: 'Not found',
        }),
      });
      this.loadBalancer.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(404, {
          contentType: 'text/plain',
          messageBody: 'Not found',
        }),
      });
    }
  }

  /**
   * Routes a service's hosts and paths to its target group, at a priority derived from its place in the config.
   * The default service also receives every request no rule matches.
   */
  addService(service: ResolvedService, targetGroup: elbv2.IApplicationTargetGroup): void {
    const index = this.props.serviceOrder.indexOf(service.name);
    if (index < 0) {
      throw new Error(
        `${this.node.path}: service '${service.name}' is not in serviceOrder; known: ${this.props.serviceOrder.join(', ')}`,
      );
    }
    const values = service.hosts.length + service.paths.length;
    if (values > MAX_CONDITION_VALUES) {
      throw new Error(
        `${this.node.path}: service '${service.name}' has ${service.hosts.length} hosts and ${service.paths.length} paths (${values} values); an ALB rule allows at most ${MAX_CONDITION_VALUES}`,
      );
    }
    if (values > 0) {
      const conditions: elbv2.ListenerCondition[] = [];
      if (service.hosts.length) conditions.push(elbv2.ListenerCondition.hostHeaders([...service.hosts]));
      if (service.paths.length) conditions.push(elbv2.ListenerCondition.pathPatterns([...service.paths]));
      new elbv2.ApplicationListenerRule(this, `Rule${pascal(service.name)}`, {
        listener: this.listener,
        priority: rulePriority(index),
        conditions,
        action: elbv2.ListenerAction.forward([targetGroup]),
      });
    }
    if (service.isDefault) {
      this.listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroup]) });
    }
    if (this.zone) {
      for (const host of service.hosts.filter((h) => !h.includes('*'))) {
        new route53.ARecord(this, `Alias${pascal(host.replace(/\./g, '-'))}`, {
          zone: this.zone,
          recordName: host,
          target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
        });
      }
    }
  }

  private createCertificate(): acm.ICertificate {
    const { edge } = this.props;
    if (edge.certificate && edge.certificate !== 'create')
      return acm.Certificate.fromCertificateArn(this, 'Certificate', edge.certificate);
    if (!edge.domain)
      throw new Error(
        `${this.node.path}: https needs edge.domain to create a certificate, or edge.certificate (an ACM ARN)`,
      );
    // Without a Route 53 zone the validation CNAMEs appear in the console/events for the external DNS to publish.
    return new acm.Certificate(this, 'Certificate', {
      domainName: edge.domain,
      subjectAlternativeNames: [`*.${edge.domain}`],
      validation: acm.CertificateValidation.fromDns(this.zone),
    });
  }

  /** 80/443 from whoever the config admits. */
  private allowIngress(): void {
    const { ingress, https } = this.props.edge;
    const ports = https ? [443, 80] : [80];
    const peers: ec2.IPeer[] =
      ingress === 'anywhere'
        ? [ec2.Peer.anyIpv4()]
        : ingress === 'cloudflare'
          ? CLOUDFLARE_IPV4.map((c) => ec2.Peer.ipv4(c))
          : ingress === 'cloudfront'
            ? [ec2.Peer.prefixList(this.cloudFrontPrefixListId())]
            : ingress.map((c) => ec2.Peer.ipv4(c));
    // CloudFront's prefix list weighs ~55 rules against the 60-rule SG quota: admit it on the one port CloudFront uses.
    const admitted = ingress === 'cloudfront' ? ports.slice(0, 1) : ports;
    for (const peer of peers) {
      for (const port of admitted)
        this.securityGroup.addIngressRule(peer, ec2.Port.tcp(port), `${describeIngress(ingress)} on ${port}`);
    }
  }

  /** The managed prefix list id: from the per-region table, else asked of EC2 at deploy time (never at synth). */
  private cloudFrontPrefixListId(): string {
    const region = Stack.of(this).region;
    const known = CLOUDFRONT_PREFIX_LISTS[region];
    if (known) return known;
    const lookup = new cr.AwsCustomResource(this, 'CloudFrontPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_PREFIX_LIST_NAME] }] },
        physicalResourceId: cr.PhysicalResourceId.of(CLOUDFRONT_PREFIX_LIST_NAME),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }
}

/** Priority of the rule of the service at `index` in config order: 10, 20, 30… */
export function rulePriority(index: number): number {
  return (index + 1) * PRIORITY_STEP;
}

function describeIngress(ingress: ResolvedEdge['ingress']): string {
  return typeof ingress === 'string' ? ingress : `${ingress.length} CIDR${ingress.length === 1 ? '' : 's'}`;
}

export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
