import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { buildApp, Edge, Network } from '../src/index';
import { routeOrder } from '@berthjs/config';
import { removalPolicyFor } from '../src/removal';
import { talentResolved, withChanges } from './support';

const prod = talentResolved('prod');
const dev = talentResolved('dev');

function edgeStack() {
  const stack = new Stack(new App(), 'S', { env: { region: 'us-east-1', account: '111111111111' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'] });
  return { stack, vpc };
}

describe('validation', () => {
  it('refuses removal destroy for a prod environment', () => {
    expect(() => removalPolicyFor('destroy', 'prod', 'prod/App')).toThrow(
      /prod\/App: removal 'destroy' given for a prod environment; allowed in prod: 'retain', 'snapshot'/,
    );
  });

  it('refuses a prod ResolvedApp that says destroy', () => {
    expect(() => buildApp(withChanges(prod, { removal: 'destroy' }))).toThrow(
      /removal 'destroy' given for a prod environment/,
    );
  });

  it('names the service that asks for EC2 capacity when the cluster has none', () => {
    const api = { ...prod.services.api!, capacity: 'ec2' as const };
    expect(() => buildApp(withChanges(prod, { services: { api }, ec2: null }))).toThrow(
      /service 'api' asks for capacity 'ec2', but the cluster has no EC2 capacity provider/,
    );
  });

  it('refuses more AZs than given zones', () => {
    const stack = new Stack(new App(), 'S', { env: { region: 'us-east-1' } });
    expect(
      () =>
        new Network(stack, 'Network', {
          network: { ...dev.network, azs: 3 },
          availabilityZones: ['us-east-1a', 'us-east-1b'],
        }),
    ).toThrow(/Network: 2 availability zones given for network.azs 3/);
  });

  it('refuses a rule with more than five host and path values', () => {
    const { stack, vpc } = edgeStack();
    const api = { ...dev.services.api!, hosts: ['a.x', 'b.x', 'c.x', 'd.x', 'e.x'], paths: ['/a', '/b'] };
    const edge = new Edge(stack, 'Edge', { vpc, edge: dev.edge, routes: routeOrder({ services: { api } }) });
    const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 80 });
    expect(() => edge.addService(api, tg)).toThrow(
      /service 'api' has 5 hosts and a path \(6 values\); an ALB rule allows at most 5/,
    );
  });

  it('refuses a service missing from the routes', () => {
    const { stack, vpc } = edgeStack();
    const web = { ...dev.services.api!, name: 'web' };
    const edge = new Edge(stack, 'Edge', { vpc, edge: dev.edge, routes: routeOrder({ services: { web } }) });
    const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 80 });
    expect(() => edge.addService(dev.services.api!, tg)).toThrow(
      /service 'api' has no route in routes; routes exist for: web/,
    );
  });

  it('refuses https without a domain or certificate', () => {
    const { stack, vpc } = edgeStack();
    const edge = { ...dev.edge, https: true, certificate: 'create', domain: undefined };
    expect(() => new Edge(stack, 'Edge', { vpc, edge, routes: [] })).toThrow(
      /https needs edge.domain to create a certificate, or edge.certificate/,
    );
  });

  it('refuses request scaling with no load balancer', async () => {
    const { Service } = await import('../src/constructs/service');
    const { stack, vpc } = edgeStack();
    const ecs = await import('aws-cdk-lib/aws-ecs');
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const service = {
      ...prod.services.api!,
      scaling: { min: 1, max: 2, cpu: false as const, memory: false as const, requests: 100 },
      uses: { database: false, cache: false, buckets: [], bucketAccess: {}, mail: false },
    };
    expect(
      () =>
        new Service(stack, 'Api', {
          cluster,
          service,
          contract: {
            app: 'a',
            stage: 's',
            service: 'api',
            port: 3000,
            healthPath: '/health',
            readyPath: '/ready',
            variables: [],
          },
          image: ecs.ContainerImage.fromRegistry('nginx'),
          subnets: {},
          stores: {},
          family: 'a-s-api',
        }),
    ).toThrow(/scaling on requests needs a load balancer in front of service 'api'/);
  });
});

describe('ingress', () => {
  it('admits only Cloudflare ranges for ingress cloudflare', async () => {
    const { Template } = await import('aws-cdk-lib/assertions');
    const { stack, vpc } = edgeStack();
    new Edge(stack, 'Edge', { vpc, edge: { ...dev.edge, ingress: 'cloudflare' }, routes: [] });
    const sg = Object.values(
      Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: 'Load balancer: cloudflare' },
      }),
    )[0] as {
      Properties: { SecurityGroupIngress: { CidrIp: string }[] };
    };
    expect(sg.Properties.SecurityGroupIngress.map((r) => r.CidrIp)).toContain('173.245.48.0/20');
    expect(sg.Properties.SecurityGroupIngress.map((r) => r.CidrIp)).not.toContain('0.0.0.0/0');
  });

  it("admits CloudFront's managed prefix list, without a lookup, for ingress cloudfront", async () => {
    const { Template, Match } = await import('aws-cdk-lib/assertions');
    const { stack, vpc } = edgeStack();
    new Edge(stack, 'Edge', {
      vpc,
      edge: { ...dev.edge, ingress: 'cloudfront' },
      routes: [],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(
      'AWS::EC2::SecurityGroupIngress',
      Match.objectLike({ SourcePrefixListId: 'pl-3b927c52', FromPort: 80 }),
    );
    template.resourceCountIs('Custom::AWS', 0);
  });

  it('asks EC2 at deploy time in a region missing from the table', async () => {
    const { Template } = await import('aws-cdk-lib/assertions');
    const stack = new Stack(new App(), 'S', { env: { region: 'me-central-1', account: '111111111111' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['me-central-1a', 'me-central-1b'] });
    new Edge(stack, 'Edge', {
      vpc,
      edge: { ...dev.edge, ingress: 'cloudfront' },
      routes: [],
    });
    Template.fromStack(stack).resourceCountIs('Custom::AWS', 1);
  });
});
