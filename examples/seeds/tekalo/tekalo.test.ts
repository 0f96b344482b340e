import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { isAllowed, runChecks, TokenResolver, type NamedPolicy, type PolicyDocument } from '@berthjs/infra';
import config from './berth.config';
import {
  containerOf,
  envOf,
  resourcesOf,
  secretNamesOf,
  statementsOf,
  synthesizeSeed,
  type SeedEnvironment,
} from '../support';

// Seed 000, Tekalo API: ECS on an EC2 capacity provider, Aurora Serverless v2 with rotation, résumés in S3, SES with
// an allow-list outside prod, PagerDuty alarms in prod only, prod in its own account with the dev image promoted.
let envs: Record<string, SeedEnvironment>;
beforeAll(() => {
  envs = synthesizeSeed(config);
});
const dev = () => envs.dev!;
const staging = () => envs.staging!;
const prod = () => envs.prod!;

describe('tekalo: compute', () => {
  it('runs on an EC2 Auto Scaling group capacity provider that adds instances at 100% reservation', () => {
    // prod's ceiling holds its 10 tasks: 5 × t3.medium, 2 awsvpc tasks each (capacity.test.ts).
    prod().app.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '5' });
    prod().app.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 't3.medium',
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
      }),
    });
    prod().app.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({
        ManagedScaling: Match.objectLike({ TargetCapacity: 100 }),
      }),
    });
    prod().app.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: { Ref: Match.stringLikeRegexp('^Ec2CapacityCapacityProvider') }, Weight: 1 },
      ],
    });
  });
  it('autoscales the api on CPU and memory, with more tasks in prod (3–10) than in dev (1–4)', () => {
    prod().app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 10,
    });
    prod().app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      }),
    });
    prod().app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
      }),
    });
    dev().app.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
    });
  });
});

describe('tekalo: database', () => {
  it('is Aurora Serverless v2 PostgreSQL 16.4 named capp, its password rotated every 30 days', () => {
    prod().app.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      DatabaseName: 'capp',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
    });
    prod().app.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    // The document's tasks turn the secret JSON into a URL at start and exit on an auth error after rotation; Berth
    // injects the secret JSON itself (DATABASE_SECRET, an ECS secret) with its ARN, and the runtime re-reads it and
    // reconnects after rotation without restarting the task.
    const api = containerOf(prod().app, 'tekalo-prod-api');
    expect(secretNamesOf(api)).toContain('DATABASE_SECRET');
    expect(envOf(api)).toHaveProperty('DATABASE_SECRET_ARN');
    expect(envOf(api)).not.toHaveProperty('DATABASE_URL');
  });
});

describe('tekalo: résumés', () => {
  it('live in an intelligent-tiering bucket with CORS for browser uploads, presigned by the task role', () => {
    prod().app.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }] }),
        ]),
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedOrigins: ['https://tekalo.org'], AllowedMethods: ['PUT', 'GET'] }),
        ],
      },
    });
    const s3 = statementsOf(prod().app).find(
      (s) =>
        JSON.stringify(s.statement.Action) ===
        JSON.stringify(['s3:GetObject', 's3:PutObject', 's3:DeleteObject']),
    );
    expect(s3?.policy).toMatch(/^ServiceApiTaskRole/);
    expect(envOf(containerOf(prod().app, 'tekalo-prod-api'))).toHaveProperty('BUCKET_RESUMES');
  });
});

describe('tekalo: mail', () => {
  it('sends through an SES identity with DKIM and a configuration set whose bounces reach a queue', () => {
    prod().app.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'tekalo.org' });
    prod().app.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'tekalo-prod' });
    prod().app.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'tekalo-prod-mail-events' });
    // The zone (tekalo.org) holds the domain: the three DKIM CNAMEs are records there.
    expect(
      Object.values(resourcesOf(prod().app, 'AWS::Route53::RecordSet')).filter(
        (r) => r.Properties!.Type === 'CNAME',
      ),
    ).toHaveLength(3);
  });
  it("has the allow-list (the document's AWS_SES_WHITELIST) in dev and staging, and none in prod", () => {
    for (const env of [dev(), staging()]) {
      const api = containerOf(env.app, `tekalo-${env.resolved.stage}-api`);
      expect(envOf(api).MAIL_ALLOW_LIST).toBe('@schmidtfutures.com,qa@tekalo.org');
    }
    expect(envOf(containerOf(prod().app, 'tekalo-prod-api'))).not.toHaveProperty('MAIL_ALLOW_LIST');
  });
});

describe('tekalo: Auth0 through SES and its logs', () => {
  const template = () =>
    prod().app.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
  const tokens = () => new TokenResolver(template(), { account: '222222222222', region: 'us-east-1' });
  it("gives Auth0 SMTP credentials in a secret, allowed to send as no-reply@tekalo.org through tekalo.org's identity only", () => {
    prod().app.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'tekalo-prod/mail-senders/auth0',
    });
    prod().app.hasResourceProperties('Custom::SesSmtpPassword', { Region: 'us-east-1' });
    // The user's one policy, through its group, evaluated with IAM's logic.
    const [user] = Object.entries(template().Resources).find(([, r]) => r.Type === 'AWS::IAM::User')!;
    const groups = template().Resources[user]!.Properties.Groups as { Ref: string }[];
    const managed = groups.flatMap(
      (g) => template().Resources[g.Ref]!.Properties.ManagedPolicyArns as { Ref: string }[],
    );
    const policies: NamedPolicy[] = managed.map((m) => ({
      name: m.Ref,
      document: tokens().deep(template().Resources[m.Ref]!.Properties.PolicyDocument) as PolicyDocument,
    }));
    const identity = 'arn:aws:ses:us-east-1:222222222222:identity/tekalo.org';
    const from = (address: string) => ({ 'ses:FromAddress': address });
    expect(isAllowed(policies, 'ses:SendRawEmail', identity, from('no-reply@tekalo.org')).allowed).toBe(true);
    expect(
      isAllowed(
        policies,
        'ses:SendRawEmail',
        'arn:aws:ses:us-east-1:222222222222:configuration-set/tekalo-prod',
        from('no-reply@tekalo.org'),
      ).allowed,
    ).toBe(true);
    expect(isAllowed(policies, 'ses:SendRawEmail', identity, from('ceo@tekalo.org')).allowed).toBe(false);
    expect(
      isAllowed(
        policies,
        'ses:SendRawEmail',
        'arn:aws:ses:us-east-1:222222222222:identity/other.org',
        from('no-reply@tekalo.org'),
      ).allowed,
    ).toBe(false);
    expect(isAllowed(policies, 'ses:SendEmail', identity, from('no-reply@tekalo.org')).allowed).toBe(false);
    // The secret access key reaches the secret by GetAtt: never a literal in the template.
    expect(JSON.stringify(template())).toMatch(
      /"Fn::GetAtt":\["MailSendersAuth0AccessKey[0-9A-F]{8}","SecretAccessKey"\]/,
    );
  });
  it("keeps Auth0's partner event source in /aws/events/tekalo-prod-auth0 with prod's retention", () => {
    const source = prod().resolved.events.partnerSources[0]!;
    prod().app.hasResourceProperties('AWS::Events::EventBus', { Name: source, EventSourceName: source });
    prod().app.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/events/tekalo-prod-auth0',
      RetentionInDays: prod().resolved.logRetentionDays,
    });
    const [ruleId, rule] = Object.entries(template().Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.EventPattern).includes('auth0.com'),
    )!;
    expect(rule.Properties.EventPattern).toEqual({ source: [source] });
    expect(tokens().value((rule.Properties.Targets as { Arn: unknown }[])[0]!.Arn)).toBe(
      'arn:aws:logs:us-east-1:222222222222:log-group:/aws/events/tekalo-prod-auth0',
    );
    // EventBridge may write to the log group from this rule only.
    const policy = Object.values(template().Resources).find((r) => r.Type === 'AWS::Logs::ResourcePolicy')!;
    const policies: NamedPolicy[] = [
      {
        name: 'logs',
        document: JSON.parse(tokens().value(policy.Properties.PolicyDocument)) as PolicyDocument,
      },
    ];
    const stream = 'arn:aws:logs:us-east-1:222222222222:log-group:/aws/events/tekalo-prod-auth0:log-stream:x';
    const ruleArn = tokens().value({ 'Fn::GetAtt': [ruleId, 'Arn'] });
    const events = { service: 'events.amazonaws.com' };
    expect(
      isAllowed(policies, 'logs:PutLogEvents', stream, { 'aws:SourceArn': ruleArn }, events).allowed,
    ).toBe(true);
    expect(
      isAllowed(policies, 'logs:PutLogEvents', stream, { 'aws:SourceArn': `${ruleArn}-other` }, events)
        .allowed,
    ).toBe(false);
    // Only prod lists the source.
    dev().app.resourceCountIs('AWS::Events::EventBus', 0);
  });
});

describe('tekalo: alarms', () => {
  it('alarms before AWS reviews the SES account: bounce rate ≥ 4% (review at 5%), complaints ≥ 0.08% (review at 0.1%)', () => {
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.04],
      ['Reputation.ComplaintRate', 0.0008],
    ] as const) {
      prod().app.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metric,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^ObservabilityAlarms') }],
      });
      expect(threshold).toBeLessThan(metric === 'Reputation.BounceRate' ? 0.05 : 0.001);
    }
  });
  it('pages PagerDuty from prod, the integration URL read from Secrets Manager at deploy time', () => {
    prod().app.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: '{{resolve:secretsmanager:tekalo/pagerduty-integration-url:SecretString:::}}',
    });
    prod().app.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'tekalo-prod' });
    prod().app.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'tekalo-prod-database-cpu' });
  });
  it('alerts nobody from dev and staging', () => {
    dev().app.resourceCountIs('AWS::SNS::Subscription', 1); // the mail-events queue only
    staging().app.resourceCountIs('AWS::SNS::Subscription', 1);
    expect(
      Object.values(resourcesOf(staging().app, 'AWS::CloudWatch::Alarm')).filter((a) =>
        String(a.Properties!.AlarmName ?? '').startsWith('tekalo-staging-'),
      ),
    ).toEqual([]);
  });
});

describe('tekalo: accounts and image promotion', () => {
  it('puts dev and staging in one account and prod in its own', () => {
    expect(dev().resolved.account).toBe('111111111111');
    expect(staging().resolved.account).toBe('111111111111');
    expect(prod().resolved.account).toBe('222222222222');
  });
  it("shares dev's repositories with staging (same account and region)", () => {
    dev().app.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'tekalo/api',
      ImageTagMutability: 'IMMUTABLE',
    });
    staging().app.resourceCountIs('AWS::ECR::Repository', 0);
  });
  it("replicates dev's registry into prod's, which admits exactly the dev account", () => {
    dev().app.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [
          {
            Destinations: [{ Region: 'us-east-1', RegistryId: '222222222222' }],
            RepositoryFilters: [{ Filter: 'tekalo/', FilterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });
    prod().app.hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Statement: [
          Match.objectLike({
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
            Principal: { AWS: Match.anyValue() },
          }),
        ],
      },
    });
    expect(JSON.stringify(resourcesOf(prod().app, 'AWS::ECR::RegistryPolicy'))).toContain(
      ':iam::111111111111:root',
    );
  });
  it('runs in prod the image from its own registry (the replica), never pulling across accounts', () => {
    const image = JSON.stringify(containerOf(prod().app, 'tekalo-prod-api').Image);
    // prod's own repository tekalo/api (created by the prod stack, filled by replication) at the ImageTag parameter.
    expect(image).toContain('"Fn::GetAtt":["RegistryApi');
    expect(image).toContain('{"Ref":"ImageTag"}');
    expect(image).not.toContain('111111111111');
    prod().app.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'tekalo/api',
      ImageTagMutability: 'IMMUTABLE',
    });
  });
});

describe('tekalo: checks', () => {
  it('synthesizes every environment offline', () => {
    expect(Object.keys(envs)).toEqual(['dev', 'staging', 'prod']);
  });
  it('has zero unacknowledged findings in prod', () => {
    // cfn-lint runs once over every seed environment in examples/seeds/test/cfn-lint.test.ts.
    const report = runChecks(prod().resolved, { skipCfnLint: true });
    expect(report.findings.filter((f) => !f.acknowledged)).toEqual([]);
    expect(report.errors).toBe(0);
  });
});
