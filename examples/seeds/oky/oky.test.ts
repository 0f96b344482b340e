import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { isAllowed, rolePolicies, runChecks, TokenResolver } from '@berthjs/infra';
import config from './berth.config';
import { containerOf, resourcesOf, statementsOf, synthesizeSeed, type SeedEnvironment } from '../support';

// Seed 004, Project Oky: CloudFront → ALB open only to CloudFront, Host-header routing with api as default,
// Aurora Serverless v2 0–1 ACU pausing after 5 minutes, VPC endpoints instead of NAT, env files in S3, immutable
// tags, and least-privilege builder and updater policies.
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});
const prod = () => envs.prod!;
const statement = (sid: string) => statementsOf(prod().app).find((s) => s.statement.Sid === sid)?.statement;

describe('oky: CloudFront in front of the ALB', () => {
  it('serves api and cms through CloudFront with caching disabled and HTTPS to the ALB', () => {
    prod().app.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['api.okyapp.info', 'cms.okyapp.info'],
        DefaultCacheBehavior: Match.objectLike({ CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' }),
        Origins: [
          Match.objectLike({ CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only' }) }),
        ],
      }),
    });
  });
  it('takes its viewer certificate from a us-east-1 stack in the same stage', () => {
    prod().certificate!.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'okyapp.info',
      SubjectAlternativeNames: ['*.okyapp.info'],
      DomainValidationOptions: [Match.objectLike({ HostedZoneId: 'Z0OKYAPP00000000000' })],
    });
    // …and the ALB its own certificate in eu-west-2.
    prod().app.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'okyapp.info' });
  });
  it("admits only CloudFront's eu-west-2 prefix list into the ALB, on 443", () => {
    prod().app.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourcePrefixListId: 'pl-93a247fa',
      FromPort: 443,
      ToPort: 443,
    });
    const lb = Object.values(resourcesOf(prod().app, 'AWS::EC2::SecurityGroup')).find((r) =>
      String(r.Properties!.GroupDescription).startsWith('Load balancer'),
    )!;
    expect(lb.Properties!.SecurityGroupIngress).toBeUndefined();
  });
  it('points api and cms at CloudFront in Route 53', () => {
    for (const host of ['api.okyapp.info.', 'cms.okyapp.info.'])
      prod().app.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: host,
        AliasTarget: Match.objectLike({
          DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('EdgeDistribution'), 'DomainName'] },
        }),
      });
  });
});

describe('oky: Host-header routing', () => {
  it('sends api.* to the API, cms.* to the CMS and anything else to the API', () => {
    prod().app.hasResourceProperties('Custom::ProductionListenerRule', {
      Priority: 20,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['cms.okyapp.info'] } }],
    });
    prod().app.hasResourceProperties('Custom::ProductionListenerRule', {
      // Deployed by canary in prod: ECS shifts one rule's weights, so the default service is one catch-all rule
      // (last priority) forwarding to its two target groups.
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      // created 100/0; later stack updates leave the weights to ECS (Custom::ProductionListenerRule)
      TargetGroups: [
        { Ref: Match.stringLikeRegexp('^ServiceApiTargetGroup') },
        { Ref: Match.stringLikeRegexp('^ServiceApiAlternateTargetGroup') },
      ],
    });
  });
  it('runs one task of each, in private subnets, admitting only the ALB', () => {
    for (const service of Object.values(resourcesOf(prod().app, 'AWS::ECS::Service'))) {
      expect(service.Properties!.DesiredCount).toBe(1);
      const vpc = (
        service.Properties!.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> }
      ).AwsvpcConfiguration;
      expect(vpc.AssignPublicIp).toBe('DISABLED');
      expect(JSON.stringify(vpc.Subnets)).toMatch(/AppSubnet/);
    }
    prod().app.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });
});

describe('oky: database', () => {
  it('is Aurora Serverless v2 at 0–1 ACU, pausing after 5 minutes, one writer, 7 days of backups', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 1, SecondsUntilAutoPause: 300 },
      BackupRetentionPeriod: 7,
    });
    prod().app.resourceCountIs('AWS::RDS::DBInstance', 1);
  });
});

describe('oky: VPC endpoints instead of NAT', () => {
  it('has no NAT and the S3 gateway, Logs, ECR API and ECR DKR endpoints', () => {
    prod().app.resourceCountIs('AWS::EC2::NatGateway', 0);
    prod().app.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    const services = Object.values(resourcesOf(prod().app, 'AWS::EC2::VPCEndpoint')).map((r) =>
      JSON.stringify(r.Properties!.ServiceName),
    );
    for (const name of ['logs', 'ecr.api', 'ecr.dkr'])
      expect(services.some((s) => s.includes(`com.amazonaws.eu-west-2.${name}`))).toBe(true);
  });
  it('shares one security group across the interface endpoints, admitting the task security groups only', () => {
    const groups = new Set(
      Object.values(resourcesOf(prod().app, 'AWS::EC2::VPCEndpoint'))
        .filter((r) => r.Properties!.VpcEndpointType === 'Interface')
        .map((r) => JSON.stringify(r.Properties!.SecurityGroupIds)),
    );
    expect(groups.size).toBe(1);
    const group = /"Fn::GetAtt":\["([^"]+)"/.exec([...groups][0]!)![1]!;
    const template = prod().app.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    // No CIDR at all: neither on the group nor as a separate ingress.
    expect(template.Resources[group]!.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::EC2::SecurityGroupIngress' &&
        JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [group, 'GroupId'] }),
    );
    expect(ingress.every((r) => r.Properties.CidrIp === undefined && r.Properties.FromPort === 443)).toBe(
      true,
    );
    const sources = ingress.map(
      (r) => (r.Properties.SourceSecurityGroupId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(sources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ServiceApiSecurityGroup/),
        expect.stringMatching(/^ServiceCmsSecurityGroup/),
        // The password-rotation function reaches Secrets Manager through its endpoint (no NAT).
        expect.stringMatching(/Rotation.*SecurityGroup/),
      ]),
    );
    expect(sources).toHaveLength(3);
  });
});

describe('oky: env files in S3', () => {
  it('points each task at its env file, and the execution role reads exactly those objects', () => {
    const api = containerOf(prod().app, 'oky-prod-api');
    expect(JSON.stringify(api.EnvironmentFiles)).toContain('/project_oky_api_task_configuration.env');
    const cms = containerOf(prod().app, 'oky-prod-cms');
    expect(JSON.stringify(cms.EnvironmentFiles)).toContain('/project_oky_cms_task_configuration.env');
    const reads = statementsOf(prod().app).filter(
      (s) =>
        s.policy.startsWith('ServiceApiExecutionRole') &&
        ['s3:GetObject', 's3:GetBucketLocation'].includes(s.statement.Action as string),
    );
    expect(reads.map((s) => s.statement.Action).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject']);
    expect(
      JSON.stringify(reads.find((s) => s.statement.Action === 's3:GetObject')!.statement.Resource),
    ).toContain('/project_oky_api_task_configuration.env');
  });
  it('lets the task roles read the config bucket but not rewrite or delete their env files', () => {
    // The document grants the tasks read-only access to their configuration. Evaluated with IAM's logic over the
    // synthesized policies (iam/evaluate.ts), on the object ECS reads.
    const template = prod().app.toJSON();
    const tokens = new TokenResolver(template, { account: '637423184246', region: 'eu-west-2' });
    const bucket = Object.keys(resourcesOf(prod().app, 'AWS::S3::Bucket')).find(
      (id) => id === 'BucketConfig',
    )!;
    const name = tokens.value({ Ref: bucket });
    const object = `arn:aws:s3:::${name}/project_oky_api_task_configuration.env`;
    for (const role of ['ServiceApiTaskRole', 'ServiceCmsTaskRole']) {
      const id = Object.keys(resourcesOf(prod().app, 'AWS::IAM::Role')).find((r) => r.startsWith(role))!;
      const policies = rolePolicies(template, id, tokens);
      expect(isAllowed(policies, 's3:GetObject', object).allowed).toBe(true);
      expect(isAllowed(policies, 's3:ListBucket', `arn:aws:s3:::${name}`).allowed).toBe(true);
      for (const action of ['s3:PutObject', 's3:DeleteObject'])
        expect(isAllowed(policies, action, object), `${role} ${action}`).toMatchObject({ allowed: false });
    }
    // Berth-PermissionsProven still proves every call the runtime makes ('oky: checks' below: zero findings).
  });
});

describe('oky: images and deploy roles', () => {
  it('keeps images in ECR repositories with immutable tags', () => {
    for (const name of ['oky/api', 'oky/cms'])
      prod().app.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: name,
        ImageTagMutability: 'IMMUTABLE',
      });
  });
  it('lets the builder authenticate and push to exactly the two repositories', () => {
    expect(statement('EcrAuth')).toMatchObject({ Action: 'ecr:GetAuthorizationToken', Resource: '*' });
    const push = statement('EcrPush')!;
    // The push actions AWS publishes, BatchGetImage included (BuildKit reads the manifest).
    expect(push.Action).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:CompleteLayerUpload',
      'ecr:InitiateLayerUpload',
      'ecr:PutImage',
      'ecr:UploadLayerPart',
    ]);
    expect(push.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^RegistryApi/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^RegistryCms/), 'Arn'] },
    ]);
  });
  it('lets the updater update exactly the two services and pass exactly their roles to ECS tasks', () => {
    expect(statement('TaskDefinitions')).toMatchObject({
      Action: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ecs:RegisterTaskDefinition'],
    });
    expect(statement('Services')!.Resource).toEqual([
      { Ref: expect.stringMatching(/^ServiceApiService/) },
      { Ref: expect.stringMatching(/^ServiceCmsService/) },
    ]);
    const pass = statement('PassTaskRoles')!;
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    expect((pass.Resource as unknown[]).map((r) => JSON.stringify(r)).sort()).toEqual(
      ['ServiceApiExecutionRole', 'ServiceApiTaskRole', 'ServiceCmsExecutionRole', 'ServiceCmsTaskRole'].map(
        (r) => expect.stringContaining(r),
      ),
    );
  });
  it('trusts only oky/backend on main, and deploys infrastructure through the CDK bootstrap roles', () => {
    prod().app.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'oky-prod-deployer',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: Match.objectLike({
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub': 'repo:oky/backend:environment:prod',
              }),
            }),
          }),
        ],
      },
    });
    const cdk = JSON.stringify(statement('CdkBootstrapRoles')!.Resource);
    expect(cdk).toContain('-eu-west-2');
    expect(cdk).toContain('-us-east-1'); // the CloudFront certificate stack
  });
});

describe('oky: error patterns in the application logs', () => {
  it("counts matching lines with a metric filter on each service's log group, and alarms to the team", () => {
    const t = prod().app;
    const groups = Object.keys(resourcesOf(t, 'AWS::Logs::LogGroup'));
    const filters = Object.values(resourcesOf(t, 'AWS::Logs::MetricFilter')) as unknown as {
      Properties: { FilterPattern: string; LogGroupName: { Ref: string }; MetricTransformations: unknown[] };
    }[];
    expect(filters.map((f) => f.Properties.FilterPattern).sort()).toEqual([
      '?ERROR ?Error',
      '?ERROR ?Error ?"Unhandled rejection"',
    ]);
    for (const f of filters) {
      // On a log group of this stack (the service's own), counting 1 a line and 0 for every other line.
      expect(groups).toContain(f.Properties.LogGroupName.Ref);
      expect(f.Properties.MetricTransformations).toEqual([
        expect.objectContaining({ MetricNamespace: 'Berth/oky-prod', MetricValue: '1', DefaultValue: 0 }),
      ]);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'oky-prod-log-api-errors',
      Namespace: 'Berth/oky-prod',
      MetricName: 'api-errors',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('Alarms') })],
      AlarmDescription: Match.stringLikeRegexp('berth logs --env prod api'),
    });
  });
});

describe('oky: checks', () => {
  it('keeps logs a week', () => {
    prod().app.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
  it('has zero unacknowledged findings in prod (app and certificate stacks)', () => {
    // cfn-lint runs once over every seed environment in examples/seeds/test/cfn-lint.test.ts.
    const report = runChecks(prod().resolved, { skipCfnLint: true });
    expect(report.findings.filter((f) => !f.acknowledged)).toEqual([]);
  });
});
