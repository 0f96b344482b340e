import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import {
  CLOUDFLARE_IPV4,
  costDrivers,
  diagramModel,
  estimateCost,
  runChecks,
  stackTemplates,
} from '@berthjs/infra';
import config from './berth.config';
import { containerOf, resourcesOf, synthesizeSeed, type SeedEnvironment } from '../support';

// Seed 003, Revendiste: backend + frontend behind one ALB open only to Cloudflare, DNS at Cloudflare, Aurora
// Serverless v2 0.5–16 ACU, cron jobs as EventBridge + RunTask in light and heavy sizes, no NAT (public tasks).
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});
const prod = () => envs.prod!;

type Schedule = {
  Properties: {
    Name: string;
    ScheduleExpression: string;
    Target: { Input?: string; EcsParameters: Record<string, unknown> };
  };
};
const scheduleNamed = (name: string) =>
  Object.values(resourcesOf(prod().app, 'AWS::Scheduler::Schedule')).find(
    (r) => r.Properties!.Name === `revendiste-prod-${name}`,
  ) as unknown as Schedule;
const taskDefinitionSize = (family: string) => {
  const r = Object.values(resourcesOf(prod().app, 'AWS::ECS::TaskDefinition')).find(
    (t) => t.Properties!.Family === family,
  )!;
  return [r.Properties!.Cpu, r.Properties!.Memory];
};

describe('revendiste: two services behind one ALB', () => {
  it('routes api.revendiste.com to the backend and revendiste.com / www to the frontend, which is the default', () => {
    prod().app.hasResourceProperties('Custom::ProductionListenerRule', {
      Priority: 10,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.revendiste.com'] } }],
    });
    // revendiste.com and www are the frontend's, and so is everything no other rule takes.
    prod().app.hasResourceProperties('Custom::ProductionListenerRule', {
      // Deployed by canary in prod: ECS shifts one rule's weights, so the default service is one catch-all rule
      // (last priority) forwarding to its two target groups.
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      // created 100/0; later stack updates leave the weights to ECS (Custom::ProductionListenerRule)
      TargetGroups: [
        { Ref: Match.stringLikeRegexp('^ServiceFrontendTargetGroup') },
        { Ref: Match.stringLikeRegexp('^ServiceFrontendAlternateTargetGroup') },
      ],
    });
  });
  it('health-checks /api/health on 3001 and / on 3000', () => {
    prod().app.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3001,
      HealthCheckPath: '/api/health',
    });
    prod().app.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      HealthCheckPath: '/',
    });
  });
  it('sizes the backend 0.5 vCPU / 2 GB (1.5 GB is no Fargate size) and the frontend 0.25 vCPU / 0.5 GB', () => {
    expect(taskDefinitionSize('revendiste-prod-backend')).toEqual(['512', '2048']);
    expect(taskDefinitionSize('revendiste-prod-frontend')).toEqual(['256', '512']);
  });
  it('autoscales each 1–10 tasks on CPU 70% and memory 80%', () => {
    expect(
      Object.values(resourcesOf(prod().app, 'AWS::ApplicationAutoScaling::ScalableTarget')).map((r) => [
        r.Properties!.MinCapacity,
        r.Properties!.MaxCapacity,
      ]),
    ).toEqual([
      [1, 10],
      [1, 10],
    ]);
    const targets = Object.values(resourcesOf(prod().app, 'AWS::ApplicationAutoScaling::ScalingPolicy'))
      .map(
        (r) =>
          (r.Properties!.TargetTrackingScalingPolicyConfiguration as { TargetValue: number }).TargetValue,
      )
      .sort();
    expect(targets).toEqual([70, 70, 80, 80]);
  });
  it('keeps logs 7 days', () => {
    prod().app.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('revendiste: no NAT, tasks in public subnets', () => {
  it('has no NAT gateway and gives tasks public IPs in the public subnets', () => {
    prod().app.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const service of Object.values(resourcesOf(prod().app, 'AWS::ECS::Service'))) {
      const vpc = (
        service.Properties!.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> }
      ).AwsvpcConfiguration;
      expect(vpc.AssignPublicIp).toBe('ENABLED');
      expect(JSON.stringify(vpc.Subnets)).toMatch(/PublicSubnet/);
    }
  });
  it('still admits only the ALB into the tasks', () => {
    for (const port of [3000, 3001])
      prod().app.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EdgeSecurityGroup'), 'GroupId'] },
      });
  });
  it('keeps the database in isolated subnets, reachable by the rotation function through a Secrets Manager endpoint', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('DataSubnet') }]),
    });
    prod().app.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.sa-east-1.secretsmanager',
    });
  });
});

describe('revendiste: Cloudflare', () => {
  it("admits only Cloudflare's ranges into the ALB", () => {
    const sg = Object.values(resourcesOf(prod().app, 'AWS::EC2::SecurityGroup')).find((r) =>
      String(r.Properties!.GroupDescription).startsWith('Load balancer'),
    )!;
    const cidrs = (sg.Properties!.SecurityGroupIngress as { CidrIp: string }[]).map((r) => r.CidrIp);
    expect(new Set(cidrs)).toEqual(new Set(CLOUDFLARE_IPV4));
    expect(cidrs).not.toContain('0.0.0.0/0');
  });
  it('outputs what to publish at Cloudflare: the ALB name, the certificate and each host record', () => {
    const outputs = prod().app.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^EdgePointDnsAt/),
        expect.stringMatching(/^EdgeCertificateArn/),
        expect.stringMatching(/^EdgeCertificateValidationRecords/),
        expect.stringMatching(/^EdgeDnsApiRevendisteCom/),
        expect.stringMatching(/^EdgeDnsWwwRevendisteCom/),
      ]),
    );
    prod().app.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
  it("rates each client by Cloudflare's CF-Connecting-IP, not by the Cloudflare edge the request comes from", () => {
    const [acl] = Object.values(resourcesOf(prod().app, 'AWS::WAFv2::WebACL'));
    const rate = (acl!.Properties!.Rules as { Name: string; Statement: Record<string, unknown> }[]).find(
      (r) => r.Name === 'RatePerIp',
    )!;
    expect(rate.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'FORWARDED_IP',
      ForwardedIPConfig: { HeaderName: 'CF-Connecting-IP', FallbackBehavior: 'MATCH' },
    });
  });
});

describe('revendiste: database', () => {
  it('is Aurora Serverless v2 from 0.5 to 16 ACU', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
  });
});

describe('revendiste: cron jobs', () => {
  it('are EventBridge Scheduler schedules that RunTask the job command', () => {
    expect(scheduleNamed('sync-payments').Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(scheduleNamed('notifications').Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(scheduleNamed('scrape-events').Properties.ScheduleExpression).toBe('cron(0 */6 * * ? *)');
    expect(containerOf(prod().app, 'revendiste-prod-job-scrape-events').Command).toEqual([
      'node',
      'dist/run-job.js',
      'scrape-events',
    ]);
    // AssignPublicIp ENABLED is accepted only with LaunchType FARGATE (no capacity provider strategy).
    expect(scheduleNamed('scrape-events').Properties.Target.EcsParameters.LaunchType).toBe('FARGATE');
    expect(scheduleNamed('scrape-events').Properties.Target.EcsParameters).not.toHaveProperty(
      'CapacityProviderStrategy',
    );
  });
  it('run light jobs at 0.25 vCPU / 0.5 GB and the scraper at 2 vCPU / 4 GB', () => {
    expect(taskDefinitionSize('revendiste-prod-job-sync-payments')).toEqual(['256', '512']);
    expect(taskDefinitionSize('revendiste-prod-job-notifications')).toEqual(['256', '512']);
    expect(taskDefinitionSize('revendiste-prod-job-scrape-events')).toEqual(['2048', '4096']);
  });
  it("run with the backend's env and secrets, in public subnets with public IPs and the backend's security group", () => {
    const job = containerOf(prod().app, 'revendiste-prod-job-scrape-events');
    const backend = containerOf(prod().app, 'revendiste-prod-backend');
    expect(job.Environment).toEqual(backend.Environment);
    expect(job.Secrets).toEqual(backend.Secrets);
    const network = scheduleNamed('scrape-events').Properties.Target.EcsParameters.NetworkConfiguration as {
      AwsvpcConfiguration: Record<string, unknown>;
    };
    expect(network.AwsvpcConfiguration.AssignPublicIp).toBe('ENABLED');
    expect(JSON.stringify(network.AwsvpcConfiguration.SecurityGroups)).toContain(
      'ServiceBackendSecurityGroup',
    );
  });
  it('give failed starts a dead-letter queue and a retry policy', () => {
    prod().app.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'revendiste-prod-scrape-events',
      Target: Match.objectLike({
        DeadLetterConfig: Match.anyValue(),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
      }),
    });
  });
});

describe('revendiste: cost and checks', () => {
  it('is priced per month with no NAT line', () => {
    const estimate = estimateCost(prod().resolved);
    expect(estimate.monthly).toBeGreaterThan(0);
    expect(JSON.stringify(estimate.lines)).not.toMatch(/NatGateway/);
  });
  it("lands inside the document's $105–340/month at minimum scale (its cost section)", () => {
    const estimate = estimateCost(prod().resolved);
    expect(estimate.monthly).toBeGreaterThanOrEqual(105);
    expect(estimate.monthly).toBeLessThanOrEqual(340);
  });
  it('has no Aurora reader (the document runs one Serverless v2 instance) and its one endpoint in 2 AZs', () => {
    prod().app.resourceCountIs('AWS::RDS::DBInstance', 1);
    const endpoints = Object.values(resourcesOf(prod().app, 'AWS::EC2::VPCEndpoint')).filter(
      (r) => r.Properties!.VpcEndpointType === 'Interface',
    );
    expect(endpoints.map((r) => (r.Properties!.SubnetIds as unknown[]).length)).toEqual([2]);
  });
  it('says which settings move the total, largest first', () => {
    const drivers = costDrivers(estimateCost(prod().resolved));
    expect(drivers[0]!.settings).toEqual(['database.minAcu', 'database.multiAz']);
    expect(drivers.flatMap((d) => d.settings)).toEqual(
      expect.arrayContaining(['services.backend.scaling.min', 'network.publicTasks']),
    );
  });
  it('draws its web ACL between Cloudflare (the internet) and the ALB', () => {
    const model = diagramModel(stackTemplates(prod().resolved), prod().resolved);
    const waf = model.nodes.find((n) => n.kind === 'waf')!;
    const alb = model.nodes.find((n) => n.kind === 'loadBalancer')!;
    expect(model.edges).toContainEqual({ from: 'internet', to: waf.id, label: '' });
    expect(model.edges).toContainEqual({ from: waf.id, to: alb.id });
    expect(model.edges.some((e) => e.from === 'internet' && e.to === alb.id)).toBe(false);
  });
  it('synthesizes offline', () => {
    expect(Object.keys(envs)).toEqual(['prod']);
  });
  it('has zero unacknowledged findings in prod', () => {
    // cfn-lint runs once over every seed environment in examples/seeds/test/cfn-lint.test.ts.
    const report = runChecks(prod().resolved, { skipCfnLint: true });
    expect(report.findings.filter((f) => !f.acknowledged)).toEqual([]);
  });
});
