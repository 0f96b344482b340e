import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { routeOrder, type ResolvedEdge } from '@berthjs/config';
import { Edge, type EdgeProps } from '../src/index';
import { talentResolved } from './support';

const api = { ...talentResolved('prod').services.api!, hosts: ['api.example.org'], isDefault: true };
const route53Edge: ResolvedEdge = {
  domain: 'example.org',
  cdn: false,
  ingress: 'anywhere',
  https: true,
  certificate: 'create',
  dns: 'route53',
  hostedZoneId: 'Z0EXAMPLE',
  accessLogs: false,
  waf: null,
};

function synth(edge: ResolvedEdge, extra: Partial<EdgeProps> = {}, region = 'us-east-1') {
  const stack = new Stack(new App(), 'S', { env: { region, account: '111111111111' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: [`${region}a`, `${region}b`] });
  const construct = new Edge(stack, 'Edge', {
    vpc,
    edge,
    routes: routeOrder({ services: { api } }),
    hosts: api.hosts,
    ...extra,
  });
  construct.addService(
    api,
    new elbv2.ApplicationTargetGroup(stack, 'Tg', {
      vpc,
      port: 3000,
      protocol: elbv2.ApplicationProtocol.HTTP,
    }),
  );
  return Template.fromStack(stack);
}

describe('Edge: CloudFront', () => {
  const cdn = { ...route53Edge, cdn: true, ingress: 'cloudfront' as const };
  const t = synth(cdn);
  it('puts CloudFront in front with caching disabled, every viewer header forwarded, HTTPS to the ALB', () => {
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['api.example.org'],
        DefaultCacheBehavior: Match.objectLike({
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
          OriginRequestPolicyId: '216adef6-5c7f-47e4-b989-5492eafa07d3', // Managed-AllViewer
          ViewerProtocolPolicy: 'redirect-to-https',
        }),
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeLoadBalancer'), 'DNSName'] },
            CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
          }),
        ],
        ViewerCertificate: Match.objectLike({
          SslSupportMethod: 'sni-only',
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }),
      }),
    });
  });
  it('admits only CloudFront, on 443', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: 'pl-3b927c52',
      FromPort: 443,
    });
    expect(JSON.stringify(t.findResources('AWS::EC2::SecurityGroup'))).not.toContain('0.0.0.0/0');
  });
  it('aliases the host to the distribution', () => {
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.org.',
      AliasTarget: Match.objectLike({
        DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeDistribution'), 'DomainName'] },
      }),
    });
  });
  it('takes the us-east-1 certificate it is given outside us-east-1', () => {
    const stack = new Stack(new App(), 'C', { env: { region: 'us-east-1', account: '111111111111' } });
    const cert = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:us-east-1:111111111111:certificate/abc',
    );
    const eu = synth(cdn, { cdnCertificate: cert }, 'eu-west-2');
    eu.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc',
        }),
      }),
    });
  });
  it('refuses CloudFront outside us-east-1 without a us-east-1 certificate', () => {
    expect(() => synth(cdn, {}, 'eu-west-2')).toThrow(
      /Edge: CloudFront needs a us-east-1 certificate for api.example.org/,
    );
  });
  it('refuses CloudFront without HTTPS on the ALB', () => {
    expect(() => synth({ ...cdn, https: false })).toThrow(/Edge: cdn needs https and edge.domain/);
  });
});

describe('Edge: DNS elsewhere', () => {
  it('outputs the name to point each host at and how to get the validation records', () => {
    const t = synth({ ...route53Edge, dns: 'external', hostedZoneId: undefined, ingress: 'cloudflare' });
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    const keys = Object.keys(outputs);
    expect(keys).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^EdgePointDnsAt/),
        expect.stringMatching(/^EdgeCertificateArn/),
        expect.stringMatching(/^EdgeCertificateValidationRecords/),
        expect.stringMatching(/^EdgeDnsApiExampleOrg/),
      ]),
    );
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.absent(),
    });
  });
});

describe('Edge: failover', () => {
  it('PRIMARY records carry a Route 53 health check on the health path', () => {
    const t = synth(route53Edge, { failover: 'PRIMARY', healthCheckPath: '/health' });
    t.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTPS',
        ResourcePath: '/health',
        Port: 443,
        EnableSNI: true,
      }),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.org.',
      Failover: 'PRIMARY',
      SetIdentifier: 'api.example.org-primary',
      HealthCheckId: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeHealthCheck'), 'HealthCheckId'] },
      AliasTarget: Match.objectLike({ EvaluateTargetHealth: true }),
    });
  });
  it('SECONDARY records point at this ALB without a health check', () => {
    const t = synth(route53Edge, { failover: 'SECONDARY' });
    t.resourceCountIs('AWS::Route53::HealthCheck', 0);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Failover: 'SECONDARY',
      HealthCheckId: Match.absent(),
    });
  });
  it('refuses failover records together with CloudFront', () => {
    expect(() =>
      synth({ ...route53Edge, cdn: true, ingress: 'cloudfront' }, { failover: 'SECONDARY' }),
    ).toThrow(/Edge: failover records and cdn together are not supported; choose one/);
  });
  it('refuses failover without a Route 53 zone', () => {
    expect(() =>
      synth({ ...route53Edge, dns: 'external', hostedZoneId: undefined }, { failover: 'PRIMARY' }),
    ).toThrow(/Edge: failover PRIMARY needs Route 53/);
  });
});
