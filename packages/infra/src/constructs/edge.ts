import { Construct } from 'constructs';
import { Annotations, CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { pascal, type ResolvedEdge, type ResolvedService, type Route } from '@berthjs/config';
import { CLOUDFLARE_IPV4 } from '../data/cloudflare';
import { CLOUDFRONT_PREFIX_LIST_NAME, CLOUDFRONT_PREFIX_LISTS } from '../data/cloudfront';
import { ProductionListenerRule } from './production-rule';

export interface EdgeProps {
  readonly vpc: ec2.IVpc;
  readonly edge: ResolvedEdge;
  /**
   * The app's routes in evaluation order (`routeOrder(resolved)`): listener rule priorities derive from it, so they
   * never depend on call order and `berth dev`'s router picks the same service for every request.
   */
  readonly routes: readonly Route[];
  /** Deletion protection on the load balancer. @default false */
  readonly deletionProtection?: boolean;
  /** What deleting the stack does to the access-log bucket. @default RemovalPolicy.RETAIN */
  readonly logBucketRemoval?: RemovalPolicy;
  /**
   * Every host the services answer (the CloudFront aliases, with cdn). @default - none: the distribution keeps its
   * cloudfront.net name
   */
  readonly hosts?: readonly string[];
  /**
   * CloudFront's viewer certificate, which must live in us-east-1. @default - the ALB's certificate when the stack is in
   * us-east-1; elsewhere required with cdn and a domain
   */
  readonly cdnCertificate?: acm.ICertificate;
  /**
   * Route 53 failover role of this entrance (pilot light): PRIMARY records carry a health check on the default
   * service's health path; SECONDARY records point at the standby. @default - plain alias records
   */
  readonly failover?: 'PRIMARY' | 'SECONDARY';
  /** Path the PRIMARY health check probes (the default service's health path). @default '/health' */
  readonly healthCheckPath?: string;
}

/** ALB rule limits: at most 5 condition values per rule. */
const MAX_CONDITION_VALUES = 5;
/** The last priority an ALB rule may have: the catch-all of a default service that ECS deploys by shifting traffic. */
const CATCH_ALL_PRIORITY = 50_000;
/** Gap between two routes' priorities, leaving room for hand-added rules. */
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
  readonly zone?: route53.IPublicHostedZone;
  /** CloudFront in front of the ALB, with cdn. */
  readonly distribution?: cloudfront.Distribution;
  /** The primary's Route 53 health check, with failover PRIMARY. */
  readonly healthCheck?: route53.CfnHealthCheck;
  private readonly props: EdgeProps;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    this.props = props;
    const { edge, vpc } = props;
    if (edge.cdn && (!edge.https || !edge.domain)) {
      throw new Error(
        `${this.node.path}: cdn needs https and edge.domain (got https ${edge.https}, domain ${JSON.stringify(edge.domain ?? null)}): CloudFront reaches the ALB over HTTPS with the viewer's Host, which the ALB's certificate must cover`,
      );
    }
    if (props.failover && !(edge.domain && edge.dns === 'route53' && edge.hostedZoneId)) {
      throw new Error(
        `${this.node.path}: failover ${props.failover} needs Route 53 (edge.dns 'route53', edge.domain and edge.hostedZoneId) to switch DNS`,
      );
    }

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
      this.zone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', {
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
    if (props.failover === 'PRIMARY')
      this.healthCheck = this.createHealthCheck(props.healthCheckPath ?? '/health');
    if (edge.cdn) this.distribution = this.createDistribution();
    if (edge.dns === 'external') this.outputExternalDns();
  }

  /**
   * CloudFront → ALB over HTTPS (TLS 1.2), caching disabled, every viewer header (Host included) forwarded so the
   * ALB's host rules still apply and its certificate (domain + *.domain) matches; viewers redirected to HTTPS.
   */
  private createDistribution(): cloudfront.Distribution {
    const { edge } = this.props;
    const hosts = [...(this.props.hosts ?? [])].filter((h) => h.includes('.'));
    const certificate =
      this.props.cdnCertificate ?? (Stack.of(this).region === 'us-east-1' ? this.certificate : undefined);
    if (hosts.length && !certificate) {
      throw new Error(
        `${this.node.path}: CloudFront needs a us-east-1 certificate for ${hosts.join(', ')}; pass cdnCertificate (the stack is in ${Stack.of(this).region})`,
      );
    }
    return new cloudfront.Distribution(this, 'Distribution', {
      comment: `${edge.domain}: CloudFront → ALB, caching disabled`,
      ...(hosts.length && certificate ? { domainNames: hosts, certificate } : {}),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new origins.LoadBalancerV2Origin(this.loadBalancer, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
        compress: true,
      },
    });
  }

  /**
   * DNS elsewhere (e.g. Cloudflare): outputs say what to publish. The certificate's validation CNAME cannot be an
   * output (CloudFormation waits for validation before the stack, and its outputs, complete): it appears in the
   * stack events of the first deploy ("Content of DNS Record is: …") and with
   * `aws acm describe-certificate --certificate-arn <CertificateArn>`.
   */
  private outputExternalDns(): void {
    new CfnOutput(this, 'PointDnsAt', {
      description: 'Create a CNAME (or a proxied record) for each host to this name',
      value: this.distribution?.distributionDomainName ?? this.loadBalancer.loadBalancerDnsName,
    });
    if (this.certificate) {
      new CfnOutput(this, 'CertificateArn', {
        description:
          'ACM certificate: publish its DNS validation CNAME (shown in the first deploy events) at the DNS provider',
        value: this.certificate.certificateArn,
      });
      new CfnOutput(this, 'CertificateValidationRecords', {
        description: 'Command printing the validation records to publish',
        value: Fn.join('', [
          'aws acm describe-certificate --region ',
          Stack.of(this).region,
          ' --certificate-arn ',
          this.certificate.certificateArn,
          " --query 'Certificate.DomainValidationOptions[].ResourceRecord'",
        ]),
      });
    }
  }

  /**
   * Routes a service's hosts and paths to its target group: a listener rule per route, at the priority of the route's
   * place in `routes`. The default service also receives every request no rule matches.
   *
   * With an `alternate` target group (a service ECS deploys by shifting traffic: it moves the weights of exactly one
   * listener rule between the two groups) the service has one rule, forwarding to both groups 100/0 when created and
   * never reset by a later stack update (`ProductionListenerRule`: ECS owns the weights); a default
   * service's one rule is a catch-all at the last priority, in place of its routes and the listener's default action
   * (`resolve` refuses the configs where that would change which service a request reaches). Returns that rule.
   */
  addService(
    service: ResolvedService,
    targetGroup: elbv2.IApplicationTargetGroup,
    options: { readonly alternate?: elbv2.IApplicationTargetGroup } = {},
  ): elbv2.ApplicationListenerRule | ProductionListenerRule | undefined {
    const { alternate } = options;
    const mine = this.props.routes.flatMap((route, index) =>
      route.service === service.name ? [{ route, index }] : [],
    );
    if (mine.length === 0 && service.hosts.length + service.paths.length > 0) {
      const known = [...new Set(this.props.routes.map((r) => r.service))];
      throw new Error(
        `${this.node.path}: service '${service.name}' has no route in routes; routes exist for: ${known.join(', ') || 'none'}`,
      );
    }
    if (alternate && !service.isDefault && mine.length !== 1)
      throw new Error(
        `${this.node.path}: service '${service.name}' deploys by shifting traffic, which ECS does on one listener rule; it has ${mine.length} routes`,
      );
    const action = elbv2.ListenerAction.forward([targetGroup]);
    const catchAll = !!alternate && service.isDefault;
    let first: elbv2.ApplicationListenerRule | ProductionListenerRule | undefined;
    const production = (priority: number, conditions: elbv2.ListenerCondition[]) =>
      new ProductionListenerRule(this, `ProductionRule${pascal(service.name)}`, {
        listener: this.listener,
        priority,
        conditions,
        targetGroups: [targetGroup, alternate!],
      });
    if (catchAll) first = production(CATCH_ALL_PRIORITY, [elbv2.ListenerCondition.pathPatterns(['/*'])]);
    (catchAll ? [] : mine).forEach(({ route, index }, n) => {
      const values = route.hosts.length + (route.path === undefined ? 0 : 1);
      if (values > MAX_CONDITION_VALUES) {
        throw new Error(
          `${this.node.path}: service '${service.name}' has ${route.hosts.length} hosts and a path (${values} values); an ALB rule allows at most ${MAX_CONDITION_VALUES}`,
        );
      }
      const conditions: elbv2.ListenerCondition[] = [];
      if (route.hosts.length) conditions.push(elbv2.ListenerCondition.hostHeaders([...route.hosts]));
      if (route.path !== undefined) conditions.push(elbv2.ListenerCondition.pathPatterns([route.path]));
      // The first route keeps the ID a service's single rule always had; further paths get numbered ones.
      const rule = alternate
        ? production(rulePriority(index), conditions)
        : new elbv2.ApplicationListenerRule(this, `Rule${pascal(service.name)}${n === 0 ? '' : n + 1}`, {
            listener: this.listener,
            priority: rulePriority(index),
            conditions,
            action,
          });
      first ??= rule;
    });
    if (service.isDefault && !catchAll) {
      // Replaces the listener's 404 on purpose: the listener needs a default before any service exists.
      Annotations.of(this.listener).acknowledgeWarning(
        '@aws-cdk/aws-elbv2:listenerExistingDefaultActionReplaced',
        'the 404 placeholder gives way to the default service',
      );
      this.listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroup]) });
    }
    const literalHosts = service.hosts.filter((h) => !h.includes('*') && h.includes('.'));
    if (this.zone) {
      for (const host of literalHosts) this.createRecord(host);
    } else if (this.props.edge.dns === 'external') {
      for (const host of literalHosts) {
        new CfnOutput(this, `Dns${pascal(host.replace(/\./g, '-'))}`, {
          description: `DNS record to create for ${host}`,
          value: Fn.join('', [
            `${host} CNAME `,
            this.distribution?.distributionDomainName ?? this.loadBalancer.loadBalancerDnsName,
          ]),
        });
      }
    }
    return first;
  }

  /** An alias A record: to CloudFront with cdn, else the ALB; a failover pair member with pilot light. */
  private createRecord(host: string): void {
    const zone = this.zone!;
    const id = `Alias${pascal(host.replace(/\./g, '-'))}`;
    const failover = this.props.failover;
    if (!failover) {
      new route53.ARecord(this, id, {
        zone,
        recordName: host,
        target: route53.RecordTarget.fromAlias(
          this.distribution
            ? new targets.CloudFrontTarget(this.distribution)
            : new targets.LoadBalancerTarget(this.loadBalancer),
        ),
      });
      return;
    }
    if (this.distribution) {
      throw new Error(`${this.node.path}: failover records and cdn together are not supported; choose one`);
    }
    new route53.CfnRecordSet(this, id, {
      hostedZoneId: zone.hostedZoneId,
      name: `${host}.`,
      type: 'A',
      setIdentifier: `${host}-${failover.toLowerCase()}`,
      failover,
      ...(failover === 'PRIMARY' && this.healthCheck
        ? { healthCheckId: this.healthCheck.attrHealthCheckId }
        : {}),
      aliasTarget: {
        dnsName: this.loadBalancer.loadBalancerDnsName,
        hostedZoneId: this.loadBalancer.loadBalancerCanonicalHostedZoneId,
        // The standby has no health check of its own: Route 53 answers with it whenever the primary is unhealthy.
        evaluateTargetHealth: failover === 'PRIMARY',
      },
    });
  }

  /** Route 53 probes the default service's health path through the primary ALB from several regions. */
  private createHealthCheck(path: string): route53.CfnHealthCheck {
    const https = this.props.edge.https;
    return new route53.CfnHealthCheck(this, 'HealthCheck', {
      healthCheckConfig: {
        type: https ? 'HTTPS' : 'HTTP',
        fullyQualifiedDomainName: this.loadBalancer.loadBalancerDnsName,
        port: https ? 443 : 80,
        resourcePath: path,
        requestInterval: 30,
        failureThreshold: 3,
        ...(https ? { enableSni: true } : {}),
      },
    });
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
